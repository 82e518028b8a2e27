"""What the blog knows about the person at the keyboard, without accounts.

Two cookies, both signed so they can't be forged, both HttpOnly and SameSite=Lax:

- ``commenter``: the ids of comments posted from this browser, and digests of the
  (canonical) email addresses confirmed from it. It lets a reader see their own comment while
  it awaits moderation, and proves a returning commenter: typing someone else's
  email address proves nothing without it. It holds no name or address.
- ``comment_author``: name, email and website for prefilling the form, set only
  when the reader ticks "Save my name, email, and website", deleted when they don't.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing

from comments.identity import canonical_email, email_digest

COMMENTER_COOKIE = "commenter"
DETAILS_COOKIE = "comment_author"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
REMEMBERED_COMMENTS = 50
MAX_COOKIE_LENGTH = 2048  # ours stay far below; anything longer is not ours


def _load(raw: str | None, salt: str):
    """A signed cookie's content, or None for anything absent, forged or odd."""
    if not raw or len(raw) > MAX_COOKIE_LENGTH:
        return None
    try:
        return signing.loads(raw, salt=salt)
    except Exception:  # a bad signature, or a validly signed value that isn't ours
        return None


@dataclass
class Commenter:
    comment_ids: list[int] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)  # email digests

    @classmethod
    def from_request(cls, request) -> "Commenter":
        data = _load(request.COOKIES.get(COMMENTER_COOKIE), COMMENTER_COOKIE)
        if not isinstance(data, dict):
            return cls()
        ids = [i for i in data.get("c", []) if type(i) is int and 0 < i < 2**63]
        confirmed = [d for d in data.get("v", []) if isinstance(d, str) and len(d) == 20]
        return cls(ids[-REMEMBERED_COMMENTS:], confirmed[-REMEMBERED_COMMENTS:])

    def wrote(self, comment_id: int) -> bool:
        return comment_id in self.comment_ids

    def has_confirmed(self, email: str) -> bool:
        return email_digest(canonical_email(email)) in self.confirmed

    def is_returning(self, email: str) -> bool:
        """Has a moderator approved this address before, and does this browser prove it?"""
        from comments.models import Comment

        return Comment.objects.vouch_for(
            email, self.comment_ids, mailbox_confirmed=self.has_confirmed(email)
        )

    def remember_comment(self, comment_id: int) -> None:
        self.comment_ids = [*self.comment_ids, comment_id][-REMEMBERED_COMMENTS:]

    def remember_confirmed(self, email: str) -> None:
        digest = email_digest(canonical_email(email))
        if digest not in self.confirmed:
            self.confirmed = [*self.confirmed, digest][-REMEMBERED_COMMENTS:]

    def set_cookie(self, response) -> None:
        value = signing.dumps({"c": self.comment_ids, "v": self.confirmed}, salt=COMMENTER_COOKIE)
        _set(response, COMMENTER_COOKIE, value)


def saved_details(request) -> dict:
    """Name, email and website the reader asked us to remember, or {}."""
    data = _load(request.COOKIES.get(DETAILS_COOKIE), DETAILS_COOKIE)
    if not isinstance(data, dict):
        return {}
    return {key: str(data.get(key, ""))[:245] for key in ("name", "email", "website")}


def save_details(response, *, name: str, email: str, website: str) -> None:
    value = signing.dumps({"name": name, "email": email, "website": website}, salt=DETAILS_COOKIE)
    _set(response, DETAILS_COOKIE, value)


def forget_details(response) -> None:
    response.delete_cookie(DETAILS_COOKIE, samesite="Lax")


def _set(response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
