"""Mail the comment system sends, and the signed links inside it.

Three kinds, none of which can be aimed at a stranger:
- moderators (the article's author and MANAGERS) hear of each new comment;
- a commenter who ticks "Notify me" gets one confirmation mail (no comment text,
  at most one a day per address) and nothing else until they click it;
- a confirmed commenter hears when a reply to them is approved, with a signed
  one-click unsubscribe link.
They are sent by the task worker (comments/tasks.py), never while a reader waits; a
mail that can't be sent raises, so the task can try again later.
"""

import email.policy
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from comments.identity import canonical_email
from comments.limits import mail_allowed
from comments.models import Comment, Subscriber

CONFIRM_SALT = "comments.confirm"
UNSUBSCRIBE_SALT = "comments.unsubscribe"
CONFIRM_LINK_MAX_AGE = 7 * 24 * 60 * 60


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def confirm_token(email: str) -> str:
    return signing.dumps(canonical_email(email), salt=CONFIRM_SALT)


def unsubscribe_token(email: str) -> str:
    return signing.dumps(canonical_email(email), salt=UNSUBSCRIBE_SALT)


def email_from_token(token: str, salt: str, max_age: int | None = None) -> str | None:
    try:
        email = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


ADMINISTRATORS_KEY = "comments:administrators"
ADMINISTRATORS_SECONDS = 60


def _administrators() -> list[str]:
    administrators = get_user_model().objects.filter(is_superuser=True, is_active=True)
    return list(administrators.exclude(email="").values_list("email", flat=True))


def moderators_of(comment: Comment) -> list[str]:
    """Who hears of this new comment: the article's author and MANAGERS (or, when neither
    has an address, the site's administrators), once each however the address is
    written ("Ed <ed@x>" and "ED@x" alike); nobody for spam or for a comment staff wrote
    themselves."""
    if comment.status == Comment.Status.SPAM or comment.user_id:
        return []
    named = [*settings.MANAGERS, comment.article.author.email]
    if not any(named):  # nobody named (a house author, no MANAGERS): the administrators,
        # so a held comment never waits unseen (asked once a minute, not on every post)
        named = cache.get_or_set(ADMINISTRATORS_KEY, _administrators, ADMINISTRATORS_SECONDS)
    recipients = {}
    for recipient in named:
        if address := parseaddr(recipient)[1].lower():
            recipients.setdefault(address, recipient)
    return sorted(recipients.values())


def notify_moderators(comment: Comment) -> None:
    """Tell the article's author and the site's managers about a new comment."""
    if not (recipients := moderators_of(comment)):
        return
    admin_url = f"admin:{Comment._meta.app_label}_comment_moderate"
    context = {
        "comment": comment,
        "site_name": settings.SITE_NAME,
        "comment_url": absolute(comment.get_absolute_url()),
        "approve_url": absolute(reverse(admin_url, args=[comment.pk, "approve"])),
        "spam_url": absolute(reverse(admin_url, args=[comment.pk, "spam"])),
        "trash_url": absolute(reverse(admin_url, args=[comment.pk, "trash"])),
        "admin_url": absolute(reverse("admin:comments_comment_change", args=[comment.pk])),
        "quoted_text": "\n".join(f"> {line}" for line in comment.text.splitlines()),
    }
    state = "awaiting moderation" if comment.status == Comment.Status.PENDING else "published"
    subject = f"[{settings.SITE_NAME}] New comment {state} on “{comment.article.title}”"
    send_mail_from_template(subject, "comments/emails/moderators.txt", context, recipients)


def ask_to_confirm(email: str, network: str = "", *, first_try: bool = True) -> bool:
    """Send the double opt-in mail unless unneeded, sent in the last day, or asked too often.

    It goes to the canonical address: the one whose owner the link then proves.
    """
    address = canonical_email(email)
    if not address:
        return False
    # The caps are counted first, for every address alike: a count that moved only for
    # some addresses would tell who already subscribed.
    if first_try and not mail_allowed(network, address):
        return False
    subscriber, _ = Subscriber.objects.get_or_create(email=address)
    if subscriber.wants_replies:
        return False
    return send_confirmation_once_a_day(
        subscriber,
        subject="Confirm reply notifications",
        template="comments/emails/confirm.txt",
        confirm_url=reverse("comments:confirm", args=[confirm_token(address)]),
    )


def send_confirmation_once_a_day(row, *, subject: str, template: str, confirm_url: str) -> bool:
    """Mail ``row.email`` a confirmation link unless one went in the last day.

    Today's mail is claimed in one UPDATE of ``row.confirmation_sent_at``, so two
    requests at once can't send two; a failed send rolls the claim back, so the
    task's next try can send it.
    """
    day_ago = timezone.now() - timedelta(days=1)
    with transaction.atomic():
        claimed = (
            type(row)
            .objects.filter(pk=row.pk)
            .filter(Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=day_ago))
            .update(confirmation_sent_at=timezone.now())
        )
        if not claimed:
            return False
        context = {"site_name": settings.SITE_NAME, "confirm_url": absolute(confirm_url)}
        send_mail_from_template(f"[{settings.SITE_NAME}] {subject}", template, context, [row.email])
    return True


def notify_reply_approved(reply: Comment) -> None:
    """Tell the author of the comment replied to, if they confirmed they want to know.

    The mail carries no words of the reply, not even its author's name: nothing a
    stranger typed reaches someone else's inbox; the link leads to it.
    """
    parent = reply.parent
    if (
        parent is None
        or not parent.notify
        or parent.email_canonical == canonical_email(reply.email)
    ):
        return
    subscriber = Subscriber.objects.filter(email=parent.email_canonical).first()
    if subscriber is None or not subscriber.wants_replies:
        return
    unsubscribe_url = absolute(
        reverse("comments:unsubscribe", args=[unsubscribe_token(subscriber.email)])
    )
    context = {
        "reply": reply,
        "site_name": settings.SITE_NAME,
        "reply_url": absolute(reply.get_absolute_url()),
        "unsubscribe_url": unsubscribe_url,
    }
    # Once per reply, however often a moderator approves it again. The mark is taken
    # with the sending: a failed send gives it back for the task's retry.
    with transaction.atomic():
        unmarked = Comment.objects.filter(pk=reply.pk, parent_told_at__isnull=True)
        if not unmarked.update(parent_told_at=timezone.now()):
            return
        send_mail_from_template(
            f"[{settings.SITE_NAME}] A reply to your comment on “{reply.article.title}”",
            "comments/emails/reply.txt",
            context,
            [subscriber.email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


class LongHeaderLines:
    """Message mixin: header lines up to RFC 5322's 998 characters, so
    List-Unsubscribe's long URL stays a plain <https://…> (folded at 78, Python would
    MIME-encode it and mail clients could not use it)."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


class _Message(LongHeaderLines, EmailMessage):
    pass


def send_mail_from_template(subject, template, context, to, headers=None) -> None:
    """Render a plain-text mail and send it (a failure raises: the task retries).

    The subject is one line whatever a title holds: a line break in it would make
    Django refuse the mail (a header injection), and the task would fail every try.
    """
    body = render_to_string(template, context)
    _Message(" ".join(subject.split()), body, to=to, headers=headers).send()
