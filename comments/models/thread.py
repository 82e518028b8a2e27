"""What a page shows of a comment: its author's shown details, and the light record a
thread is built from."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from comments.avatars import avatar_key
from comments.rendering import safe_website


class ShownAuthor:
    """What a page shows of a comment's author, for the model and its thread rows alike."""

    __slots__ = ()

    @property
    def avatar_key(self) -> str:
        return avatar_key(self.email_canonical)

    @property
    def website_url(self) -> str:
        return safe_website(self.website)


@dataclass(slots=True)
class ThreadComment(ShownAuthor):
    """A comment as the article page's thread needs it (see CommentQuerySet.for_thread)."""

    FIELDS: ClassVar[tuple] = (
        "id", "parent_id", "name", "email_canonical", "website", "text", "text_html", "created_at",
        "user_id", "moderation_reason", "quote_anchor", "edited_at", "html", "has_spoilers",
    )  # fmt: skip
    pk: int
    parent_id: int | None
    name: str
    email_canonical: str
    website: str
    text: str
    text_html: str
    created_at: datetime
    user_id: int | None
    moderation_reason: str
    quote_anchor: str
    edited_at: datetime | None
    html: str
    has_spoilers: bool


@dataclass(slots=True)
class ApprovedComment:
    """An approved comment as an article page reads it (see ``approved_thread``): its
    card, made when it was saved (``html``), and what the thread, the quote counts and
    search engines need beside it. Eight of ThreadComment's fourteen columns: a page
    reads every approved comment of its article, and the other six cost a fifth of
    that read."""

    FIELDS: ClassVar[tuple] = (
        "id", "parent_id", "name", "created_at", "quote_anchor", "html", "text", "has_spoilers",
    )  # fmt: skip
    pk: int
    parent_id: int | None
    name: str
    created_at: datetime
    quote_anchor: str
    html: str
    text: str
    has_spoilers: bool
