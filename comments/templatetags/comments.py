from dataclasses import dataclass, field

from django import template
from django.core.cache import cache
from django.utils.safestring import mark_safe

from comments.forms import CommentForm
from comments.models import Comment, comments_are_open
from comments.threads import build_thread, render_thread
from comments.visitors import Commenter, saved_details

register = template.Library()

CACHE_SECONDS = 24 * 60 * 60
STRUCTURED_COMMENTS = 10  # the latest approved comments given to search engines


@dataclass
class Discussion:
    """What the article page shows of its comments, worked out once per request."""

    thread_html: str
    structured: list[dict] = field(default_factory=list)  # for JSON-LD


@register.simple_tag(takes_context=True)
def discussion(context, article) -> Discussion:
    """The approved thread (cached until the discussion changes), plus the reader's own.

    The approved thread is the same for every reader, so its HTML is cached under
    a key that changes whenever the discussion does (the article row carries the
    count and the time of the last change). A reader's own held comments make a
    thread rendered for them alone.
    """
    request = context["request"]
    # The page asks twice (its <head> and its body are separate template blocks).
    memo = request.__dict__.setdefault("_discussions", {})
    if article.pk not in memo:
        memo[article.pk] = _discussion(request, article)
    return memo[article.pk]


def _discussion(request, article) -> Discussion:
    own_pending = _own_pending(request, article)
    if own_pending:
        return _build(article, own_pending)
    changed = article.discussion_updated_at.timestamp() if article.discussion_updated_at else 0
    key = f"comments:discussion:{article.pk}:{article.comment_count}:{changed}"
    cached = cache.get(key)
    if cached is None:
        cached = _build(article)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, article, discussion):
    """Comments under an article, and the "Leave a Comment" form."""
    request = context["request"]
    form = context.get("comment_form") or _fresh_form(request, article)
    return {
        "article": article,
        "count": article.comment_count,
        "thread": mark_safe(discussion.thread_html),  # noqa: S308 - our escaping template
        "form": form,
        "replying_to": form.replying_to,
        "comments_open": comments_are_open(article),
        "request": request,
    }


@register.simple_tag
def pending_comment_count() -> int:
    """How many comments wait for a moderator (shown on the admin's home page)."""
    return Comment.objects.in_moderation().count()


def _fresh_form(request, article) -> CommentForm:
    form = CommentForm(article, initial=saved_details(request), user=request.user)
    reply_to = request.GET.get("replytocom", "")
    if reply_to.isascii() and reply_to.isdigit() and len(reply_to) < 19:
        form.replying_to = (
            Comment.objects.approved().filter(article=article, pk=int(reply_to)).first()
        )
        if form.replying_to:
            form.initial["parent"] = form.replying_to.pk
    if form.initial.get("name"):
        form.initial["save_details"] = True
    return form


def _own_pending(request, article) -> list:
    ids = Commenter.from_request(request).comment_ids
    if not ids:
        return []
    return Comment.objects.in_moderation().filter(article=article, pk__in=ids).for_thread()


def _build(article, pending=()) -> Discussion:
    approved = Comment.objects.approved().filter(article=article).for_thread()
    comments = sorted([*approved, *pending], key=lambda c: (c.created_at, c.pk))
    url = article.get_absolute_url()
    html = render_thread(build_thread(comments), pending_ids={c.pk for c in pending})
    structured = [
        {
            "author": {"@type": "Person", "name": c.name},
            "dateCreated": c.created_at.isoformat(),
            "text": c.text[:200],
            "url": f"{url}#comment-{c.pk}",
        }
        for c in approved[-STRUCTURED_COMMENTS:]
    ]
    return Discussion(html, structured)
