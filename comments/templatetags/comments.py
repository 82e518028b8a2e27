from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from comments.forms import CommentForm
from comments.models import Comment, comments_are_open
from comments.threads import build_thread
from comments.visitors import Commenter, saved_details

register = template.Library()

THREAD_FIELDS = (
    "id", "parent_id", "name", "website", "text_html", "created_at", "user_id",
    "status", "moderation_reason",
)  # fmt: skip
THREAD_CACHE_SECONDS = 24 * 60 * 60


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, article):
    """Comments under an article, and the "Leave a Comment" form.

    The approved thread is the same for every reader, so its HTML is cached
    under a key that changes whenever the discussion does. What differs per
    reader (their held comments, saved details, the form) is rendered each time.
    """
    request = context["request"]
    form = context.get("comment_form") or _fresh_form(request, article)
    own_pending = _own_pending(request, article)
    return {
        "article": article,
        "count": article.comment_count,
        "thread": _thread_html(article, own_pending),
        "form": form,
        "replying_to": form.replying_to,
        "comments_open": comments_are_open(article),
        "request": request,
    }


def _fresh_form(request, article) -> CommentForm:
    form = CommentForm(article, initial=saved_details(request), user=request.user)
    reply_to = request.GET.get("replytocom", "")
    if reply_to.isdigit() and len(reply_to) < 19:
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
    return list(
        Comment.objects.in_moderation().filter(article=article, pk__in=ids).only(*THREAD_FIELDS)
    )


def _thread_html(article, own_pending) -> str:
    if own_pending:  # a reader's own held comments: rendered for them alone
        return _render_thread(article, own_pending)
    changed = article.discussion_updated_at.timestamp() if article.discussion_updated_at else 0
    key = f"comments:thread:{article.pk}:{article.comment_count}:{changed}"
    html = cache.get(key)
    if html is None:
        html = _render_thread(article)
        cache.set(key, html, THREAD_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own escaping template


def _render_thread(article, pending=()) -> str:
    approved = Comment.objects.approved().filter(article=article).only(*THREAD_FIELDS)
    comments = sorted([*approved, *pending], key=lambda c: (c.created_at, c.pk))
    return render_to_string(
        "comments/_thread.html",
        {"entries": build_thread(comments), "pending_ids": {c.pk for c in pending}},
    )


@register.simple_tag
def pending_comment_count() -> int:
    """How many comments wait for a moderator (shown on the admin's home page)."""
    return Comment.objects.in_moderation().count()
