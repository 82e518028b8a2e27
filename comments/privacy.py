"""A commenter's data, on their request: what is kept, a copy of it, or its erasure.

Anyone can ask from the privacy page, by email address; nothing happens until a
signed link sent to that address (in its canonical form, comments/identity.py) is
followed and confirmed, so nobody can read or erase someone else's comments. The
page answers the same, in the same time, whether or not the address has comments:
the request only enqueues a task, and the task decides whether there is anything
to send, so the page can't be used to find out who commented.
"""

import json
import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from comments.emails import absolute, send_mail_from_template
from comments.forms import EmailAddressField
from comments.identity import MAX_LENGTH, canonical_email
from comments.limits import attempts_message, mail_allowed, too_many_mails
from comments.models import Comment, Subscriber, refresh_discussion
from comments.tasks import retrying
from operations.limits import retry_after
from operations.network import client_network
from operations.periodic import queue_next_run

logger = logging.getLogger(__name__)

SALT = "comments.privacy"
# Other apps that keep data about an address plug in here (followers/apps.py does), so
# one request covers everything, without comments knowing them. Each keeper has a
# ``name`` (its key in the export), ``holds(email)``, ``export(email)`` -> JSON-able,
# and ``erase(email)``; ``email`` is canonical.
KEEPERS: list = []
LINK_MAX_AGE = 2 * 24 * 60 * 60
ACTIONS = {
    "export": "Send me a copy of my comments",
    "anonymise": "Erase my name, email, website and IP address from my comments, keep the words",
    "delete": "Erase my comments completely",
}


class PrivacyRequestForm(forms.Form):
    email = EmailAddressField(
        label="The email address you commented with",
        max_length=MAX_LENGTH,  # a follower's may be longer than a comment's 100
        error_messages={"invalid": "Please enter a valid email address, like name@example.com."},
    )
    action = forms.ChoiceField(
        choices=ACTIONS.items(),
        widget=forms.RadioSelect,
        initial="export",
        error_messages={
            "required": "Choose what we should do: send a copy, or erase.",
            "invalid_choice": "Choose what we should do: send a copy, or erase.",
        },
    )


def privacy_page(request):
    """What is stored and for how long, and the form to ask for a copy or erasure."""
    return _page(request, PrivacyRequestForm())


def _page(request, form, status=200, **context):
    context = {"form": form, "retention_days": settings.COMMENTS_IP_RETENTION_DAYS, **context}
    return render(request, "comments/privacy.html", context, status=status)


@require_http_methods(["POST"])
def privacy_request(request):
    """Queue the confirmation link for the address given; say the same either way.

    The daily caps per network and per recipient are counted here, for every address
    alike (a count that moved only for some addresses would tell who commented), and
    a reader over them is told so rather than promised a mail that won't come."""
    form = PrivacyRequestForm(request.POST)
    network = client_network(request)
    if (message := attempts_message(network)) is not None:
        form.add_error(None, message)
        return retry_after(_page(request, form, status=429), form)
    if not form.is_valid():
        return _page(request, form)
    email = canonical_email(form.cleaned_data["email"])
    if not mail_allowed(network, email):
        form.add_error(None, too_many_mails())
        return retry_after(_page(request, form, status=429), form)
    send_privacy_link.enqueue(email, form.cleaned_data["action"], network)
    return _page(request, PrivacyRequestForm(), sent_to=email)


@task
def send_privacy_link(email: str, action: str, network: str = "", attempt: int = 1) -> bool:
    """Mail the signed link to a canonical address that has comments or a subscription
    (the caps were counted by the request). Run by the task worker. ``network`` is no
    longer read: it stays for tasks queued before the caps moved to the request."""
    with retrying(send_privacy_link, [email, action, network], attempt):
        if not _has_data(email):
            return False
        _send_link(email, action)
        return True


def _send_link(email: str, action: str) -> None:
    token = signing.dumps({"e": email, "a": action}, salt=SALT)
    send_mail_from_template(
        f"[{settings.SITE_NAME}] Confirm your request about your comments",
        "comments/emails/privacy.txt",
        {
            "site_name": settings.SITE_NAME,
            "action": ACTIONS[action],
            "confirm_url": absolute(reverse("comments:privacy_confirm", args=[token])),
        },
        [email],
    )


@require_http_methods(["GET", "POST"])
@never_cache  # it names the reader's address and what they wrote: no copy kept
def privacy_confirm(request, token):
    """The link from the mail: GET asks (mail scanners follow links), POST does it."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
        email, action = data["e"], data["a"]
    except (signing.BadSignature, KeyError, TypeError):
        return render(request, "comments/privacy_confirm.html", {"invalid": True}, status=400)
    if action not in ACTIONS:
        return render(request, "comments/privacy_confirm.html", {"invalid": True}, status=400)
    email = canonical_email(email)
    comments = Comment.objects.filter(email_canonical=email)
    if request.method == "GET":
        context = {"email": email, "action": ACTIONS[action], "count": comments.count()}
        return render(request, "comments/privacy_confirm.html", context)
    if action == "export":
        return _export(email, comments)
    erased = erase(comments, keep_words=action == "anonymise")
    Subscriber.objects.filter(email=email).delete()
    for keeper in KEEPERS:
        keeper.erase(email)
    context = {"email": email, "done": True, "erased": erased, "kept_words": action == "anonymise"}
    return render(request, "comments/privacy_confirm.html", context)


def erase(comments, *, keep_words: bool) -> int:
    """Remove everything that says who wrote these comments (and, unless kept, the words).

    Erased comments that have replies leave "This comment was removed." in their
    thread, so the replies keep their place.
    """
    ids = list(comments.values_list("pk", flat=True))
    fields = {"name": "Anonymous", "email": "", "email_canonical": "", "website": "",
              "ip_address": None, "user_agent": "", "notify": False}  # fmt: skip
    if not keep_words:
        fields.update(text="", text_html="", quote="", quote_anchor="", has_spoilers=False)
    Comment.objects.filter(pk__in=ids).update(**fields, updated_at=timezone.now())
    Comment.objects.filter(pk__in=ids).refresh_cards()
    if keep_words:
        refresh_discussion(
            set(Comment.objects.filter(pk__in=ids).values_list("article", flat=True))
        )
    else:
        Comment.objects.filter(pk__in=ids).set_status(Comment.Status.TRASH)
        # Nothing left to show: no Restore or Approve brings back a blank "Anonymous".
        Comment.objects.filter(pk__in=ids).update(deleted_by_author=True, trashed_from="")
    return len(ids)


def remove(comments) -> tuple[int, int]:
    """A moderator's Delete: these comments go, but one whose thread goes on (a reply
    readers see or that awaits a moderator, not deleted with it, at any depth) is
    emptied instead (``erase``), so its replies keep their place, under "This comment
    was removed." Returns (deleted, emptied).

    Deleting the row would delete every reply with it (the parent's foreign key
    cascades), which the moderator never chose; spam and trash below it go with it.
    """
    with transaction.atomic():
        selected = set(comments.values_list("pk", flat=True))
        articles = Comment.objects.filter(pk__in=selected).values("article_id")
        # Locked as read: a reply posted meanwhile waits, then hears its comment is gone
        # (comments.forms.PARENT_GONE) rather than vanishing with it.
        rows = Comment.objects.filter(article__in=articles).select_for_update()
        rows = rows.values_list("pk", "parent_id", "status")
        parent_of, staying = {}, []
        for pk, parent, status in rows:
            parent_of[pk] = parent
            if pk not in selected and status in SHOWN_OR_AWAITED:
                staying.append(parent)
        kept, climbed = set(), set()
        for parent in staying:
            # Each comment is climbed past once: linear, however long a chain of replies.
            while parent is not None and parent not in climbed:
                climbed.add(parent)
                if parent in selected:
                    kept.add(parent)
                parent = parent_of.get(parent)
        if kept:
            erase(Comment.objects.filter(pk__in=kept), keep_words=False)
            Comment.objects.filter(pk__in=kept).update(moderation_reason=REMOVED)
        # What goes: the chosen comments not kept, and every reply below them (none stays,
        # or they would be kept: spam, trash). Unlinked first, so the delete needn't
        # follow a chain of thousands of replies one level at a time.
        replies_of = {}
        for pk, parent in parent_of.items():
            replies_of.setdefault(parent, []).append(pk)
        going, below = set(), list(selected - kept)
        while below:
            pk = below.pop()
            going.add(pk)
            below.extend(reply for reply in replies_of.get(pk, ()) if reply not in going)
        doomed = Comment.objects.filter(pk__in=going)
        doomed.update(parent=None)
        doomed.delete()
    return len(selected - kept), len(kept)


SHOWN_OR_AWAITED = (Comment.Status.APPROVED, Comment.Status.PENDING)
REMOVED = "Deleted by a moderator: emptied, its replies stay."


def status_label(comment) -> str:
    """A comment's status as people are told it (the admin, a reader's export)."""
    if comment.deleted_by_author and comment.moderation_reason == REMOVED:
        return "Deleted, kept for its replies"
    if comment.deleted_by_author:
        return "Deleted by its author"
    return comment.get_status_display()


@task
def forget_old_network_details() -> int:
    """Daily (PERIODIC_TASKS): clear IPs and browsers older than COMMENTS_IP_RETENTION_DAYS."""
    queue_next_run(forget_old_network_details)
    return forget_network_details(settings.COMMENTS_IP_RETENTION_DAYS)


def forget_network_details(days: int) -> int:
    """Clear IP addresses and browsers of comments older than ``days``."""
    cutoff = timezone.now() - timedelta(days=days)
    old = Comment.objects.filter(created_at__lt=cutoff).filter(
        Q(ip_address__isnull=False) | ~Q(user_agent="")
    )
    return old.update(ip_address=None, user_agent="")


def _has_data(email: str) -> bool:
    return (
        Comment.objects.filter(email_canonical=email).exists()
        or Subscriber.objects.filter(email=email).exists()
        or any(keeper.holds(email) for keeper in KEEPERS)
    )


def _export(email: str, comments) -> HttpResponse:
    rows = [
        {
            "article": c.article.title,
            "address": absolute(c.article.get_absolute_url()),
            "written": c.created_at.isoformat(),
            "edited": c.edited_at.isoformat() if c.edited_at else None,
            "status": status_label(c),
            "name": c.name,
            "email": c.email,
            "website": c.website,
            "text": c.text,
            "quote": c.quote,
            "ip_address": c.ip_address,
            "browser": c.user_agent,
            "notify_of_replies": c.notify,
        }
        for c in comments.select_related("article").order_by("created_at")
    ]
    data = {"email": email, "comments": rows}
    data.update((keeper.name, keeper.export(email)) for keeper in KEEPERS)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-comments.json"'
    return response
