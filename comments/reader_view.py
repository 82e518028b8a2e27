"""What an article page shows of its discussion, for this reader.

The approved comments of an article, as light records, are read in one query and
cached under a key that changes whenever the discussion does (the article row
carries its comment count and the time of its last change). From them come the
page of threads asked for (top-level comments, COMMENTS_PER_PAGE to a page,
oldest or newest first), the rendered HTML, the counts of comments quoting each
section, and the comments given to search engines. A reader with nothing of
their own to see gets the HTML from the cache too; one with a held comment or a
comment they may still edit gets a copy rendered for them. What is new since a
reader's last visit is marked by their browser (static/js/site.js), so the page
stays the same for everyone.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from comments.models import ApprovedComment, Comment, ThreadComment, approved_thread
from comments.rendering import spoilers_hidden
from comments.thread_html import Entry, build_thread, render_thread
from comments.visitors import Commenter
from operations.routes import reverse

# On a page: approved comments, and the reader's own held ones (read in full: shown to
# them alone, their cards made when shown).
type Shown = ApprovedComment | ThreadComment
CACHE_SECONDS = 24 * 60 * 60
STRUCTURED_COMMENTS = 10  # the latest approved comments given to search engines
ORDER_COOKIE = "comment_order"
ORDERS = ("oldest", "newest")


@dataclass
class Discussion:
    thread_html: str
    page: int = 1
    num_pages: int = 1
    order: str = "oldest"
    structured: list[dict] = field(default_factory=list)  # for JSON-LD
    # section id -> (how many comments quote it, the first of them)
    quote_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    own_pending: int = 0  # this reader's comments awaiting moderation, shown to them alone


@dataclass
class _Approved:
    """The cached part: every approved comment of one article, oldest first."""

    records: list[ApprovedComment]
    structured: list[dict]
    quote_counts: dict[str, tuple[int, int]]


def for_request(request, article, showing: int | None = None) -> Discussion:
    """This reader's view of the discussion: page, order and their own marks.

    ``showing``: a comment the page must hold (the one a reader replies to), unless
    ?cpage= names a page: a reply link carries no page of its own.
    """
    approved = approved_comments(article)
    order = reading_order(request)
    commenter = Commenter.from_request(request)
    own_pending = _own_pending(article, commenter)
    wanted = _page_number(request.GET.get("cpage"))
    if showing is not None and "cpage" not in request.GET:
        shown = [*approved.records, *own_pending]  # their held comments take places too
        wanted = _page_holding(shown, order, showing) or wanted
    own = _own_actions([*approved.records, *own_pending], commenter)
    if own_pending or own:
        html, page, num_pages = _render(
            [*approved.records, *own_pending], order, wanted,
            pending_ids={c.pk for c in own_pending}, own=own,
        )  # fmt: skip
    else:
        key = f"{_key(article)}:html:{order}:{wanted}"
        rendered = cache.get(key)
        if rendered is None:
            rendered = _render(approved.records, order, wanted)
            cache.set(key, rendered, CACHE_SECONDS)
        html, page, num_pages = rendered
    return Discussion(
        thread_html=html,
        page=page,
        num_pages=num_pages,
        order=order,
        structured=approved.structured,
        quote_counts=approved.quote_counts,
        own_pending=len(own_pending),
    )


def _render(records: list[Shown], order: str, wanted: int, **marks) -> tuple[str, int, int]:
    groups = _groups(
        build_thread(sorted(records, key=_oldest_first)), newest_first=order == "newest"
    )
    per_page = settings.COMMENTS_PER_PAGE
    num_pages = max(1, -(-len(groups) // per_page))
    page = min(wanted, num_pages)
    shown = [entry for group in groups[(page - 1) * per_page : page * per_page] for entry in group]
    return render_thread(shown, **marks), page, num_pages


def page_of(article, comment_id: int, request) -> int:
    """The page of threads a comment is on, in this reader's order."""
    approved = approved_comments(article)
    own_pending = _own_pending(article, Commenter.from_request(request))
    records = [*approved.records, *own_pending]
    return _page_holding(records, reading_order(request), comment_id) or 1


def _page_holding(records, order: str, comment_id: int) -> int | None:
    """The page of threads, in this order, that holds a comment (None: none does)."""
    entries = build_thread(sorted(records, key=_oldest_first))
    for index, group in enumerate(_groups(entries, newest_first=order == "newest")):
        if any(entry.comment.pk == comment_id for entry in group):
            return index // settings.COMMENTS_PER_PAGE + 1
    return None


def approved_comments(article) -> _Approved:
    key = f"{_key(article)}:approved:3"  # :3, the shape of _Approved: a new one, a new key
    approved = cache.get(key)
    if approved is None:
        records = sorted(approved_thread(article), key=_oldest_first)
        approved = _Approved(
            records, _structured(article, records), _quote_counts(article, records)
        )
        cache.set(key, approved, CACHE_SECONDS)
    return approved


def reading_order(request) -> str:
    """Oldest or newest first: from ?corder=, else the reader's cookie, else oldest."""
    chosen = request.GET.get("corder")
    if chosen in ORDERS:
        return chosen
    remembered = request.COOKIES.get(ORDER_COOKIE)
    return remembered if remembered in ORDERS else "oldest"


def remember_visit(request, response, slug: str) -> None:
    """Remember the order a reader chose (?corder=) for their next visit.

    When a reader last visited is kept in their browser, not here (static/js/site.js
    marks what is new since): the page itself stays the same for every reader.
    """
    if request.GET.get("corder") in ORDERS:
        cookie = {"max_age": 365 * 24 * 60 * 60, "samesite": "Lax", "httponly": True,
                  "secure": settings.SESSION_COOKIE_SECURE}  # fmt: skip
        response.set_cookie(ORDER_COOKIE, request.GET["corder"], **cookie)


def _key(article) -> str:
    changed = article.discussion_updated_at.timestamp() if article.discussion_updated_at else 0
    return f"comments:discussion:{article.pk}:{article.comment_count}:{changed}"


def _oldest_first(comment) -> tuple:
    return (comment.created_at, comment.pk)


def _groups(entries: list[Entry], *, newest_first: bool) -> list[list[Entry]]:
    """Top-level comments, each with its replies (replies always read oldest first)."""
    groups: list[list[Entry]] = []
    for entry in entries:
        if entry.depth == 1:
            groups.append([])
        groups[-1].append(entry)
    return groups[::-1] if newest_first else groups


def _page_number(raw) -> int:
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


def _own_pending(article, commenter: Commenter) -> list[ThreadComment]:
    if not commenter.comment_ids:
        return []
    return (
        Comment.objects.in_moderation()
        .filter(article=article, pk__in=commenter.comment_ids)
        .for_thread()
    )


def _own_actions(records: list[Shown], commenter: Commenter) -> dict[int, bool]:
    """This reader's comments still in the edit window: id -> may it be edited?

    Deleting stays possible; editing closes once a reply exists, so a reply never
    loses what it answered.
    """
    if not commenter.comment_ids:
        return {}
    window_start = timezone.now() - timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)
    replied = {c.parent_id for c in records}
    return {
        c.pk: c.pk not in replied
        for c in records
        if commenter.wrote(c.pk) and c.created_at > window_start
    }


def _structured(article, records: list[ApprovedComment]) -> list[dict]:
    return [
        {
            "author": {"@type": "Person", "name": c.name},
            "dateCreated": c.created_at.isoformat(),
            "text": spoilers_hidden(c.text, spoilers=c.has_spoilers)[:200],
            "url": reverse("comments:permalink", args=[article.slug, c.pk]),
        }
        for c in records[-STRUCTURED_COMMENTS:]
    ]


def _quote_counts(article, records: list[ApprovedComment]) -> dict[str, tuple[int, int]]:
    """For each section quoted: how many comments quote it, and the first of them."""
    section_of = {
        paragraph: section["id"] for section in article.toc for paragraph in section["paragraphs"]
    }
    counts: dict[str, tuple[int, int]] = {}
    for comment in records:  # oldest first
        if section := section_of.get(comment.quote_anchor):
            n, first = counts.get(section, (0, comment.pk))
            counts[section] = (n + 1, first)
    return counts
