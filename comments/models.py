import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.aggregates import BoolOr
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Now
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.avatars import avatar_key
from comments.identity import canonical_email
from comments.rendering import render_comment_text, safe_website
from comments.thread_html import comment_card
from operations.pagecache import invalidate


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """Comments everyone may read."""
        return self.filter(status=Comment.Status.APPROVED)

    def in_moderation(self):
        """Comments waiting for a moderator."""
        return self.filter(status=Comment.Status.PENDING)

    def visible_or_awaited(self):
        """Comments readers may see, or whose authors await a moderator: not spam or trash."""
        return self.filter(status__in=[Comment.Status.APPROVED, Comment.Status.PENDING])

    def for_article(self, article):
        return self.filter(article=article)

    def vouch_for(self, email: str, own_ids=(), *, mailbox_confirmed: bool = False) -> bool:
        """Is the author of ``email`` a returning commenter?

        Only when a person (a moderator, not the rules) approved an earlier comment
        from the same canonical address, and this browser proves the address is
        theirs: its signed cookie lists an approved comment from that address
        (``own_ids``), or it confirmed that mailbox. A confirmed mailbox alone, or an
        address typed in, never raises trust.
        """
        canonical = canonical_email(email)
        if not canonical or not (own_ids or mailbox_confirmed):
            return False
        flags = (
            self.approved()
            .filter(email_canonical=canonical)
            .aggregate(
                trusted=BoolOr("approved_by_moderator"),
                own=BoolOr(Case(When(pk__in=list(own_ids), then=True), default=False)),
            )
        )
        return bool(flags["trusted"]) and (mailbox_confirmed or bool(flags["own"]))

    def for_thread(self) -> list["ThreadComment"]:
        """Just what a thread shows, as light records: 200 model instances cost 4 ms."""
        return [ThreadComment(*row) for row in self.values_list(*ThreadComment.FIELDS)]

    def set_status(self, status: str) -> list[int]:
        """A moderator's decision: move these comments to ``status`` and keep counts right.

        Returns the ids of the comments that changed (the caller reacts: approved
        replies may have someone to tell, see comments/tasks.py). Approving here is
        what makes an address trusted (see ``approved_by_moderator``).
        """
        changed = list(self.exclude(status=status).values_list("pk", "article_id"))
        if not changed:
            return []
        ids = [pk for pk, _ in changed]
        with transaction.atomic():
            Comment.objects.filter(pk__in=ids).update(
                status=status,
                # Remember what a trashed comment was, so restoring puts it back.
                trashed_from=F("status") if status == Comment.Status.TRASH else Value(""),
                approved_by_moderator=(
                    Value(True) if status == Comment.Status.APPROVED else F("approved_by_moderator")
                ),
                updated_at=Now(),
            )
            if status == Comment.Status.APPROVED:
                Comment.objects.filter(pk__in=ids, html="").refresh_cards()
            refresh_discussion({article_id for _, article_id in changed})
        return ids

    def refresh_cards(self) -> None:
        """Render these comments' cards again (after a change that skipped save())."""
        comments = list(self.select_related(None))
        for comment in comments:
            comment.html = comment_card(comment)
        Comment.objects.bulk_update(comments, ["html"], batch_size=500)

    def restore(self) -> int:
        """Take comments out of the trash, back to the status they had before."""
        trashed = self.filter(status=Comment.Status.TRASH)
        article_ids = set(trashed.values_list("article_id", flat=True))
        with transaction.atomic():
            restored = trashed.update(
                status=Case(
                    When(trashed_from="", then=Value(Comment.Status.PENDING)),
                    default=F("trashed_from"),
                ),
                trashed_from="",
                updated_at=Now(),
            )
            refresh_discussion(article_ids)
        return restored


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
        "user_id", "moderation_reason", "quote_anchor", "edited_at", "html",
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


class Comment(ShownAuthor, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        TRASH = "trash", "Trash"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The comment this one replies to.",
    )
    name = models.CharField(max_length=245)
    email = models.EmailField(max_length=100, help_text="Never shown publicly.")
    email_canonical = models.CharField(
        max_length=254,
        editable=False,
        db_index=True,
        default="",
        help_text="The address in the one form identities are compared in (comments/identity.py).",
    )
    website = models.URLField(max_length=200, blank=True)
    text = models.TextField()
    text_html = models.TextField(editable=False, default="")
    html = models.TextField(
        editable=False,
        default="",
        help_text="The comment as readers see it, made when it is saved (blank: made when shown).",
    )
    has_spoilers = models.BooleanField(
        "contains spoilers", default=False, help_text="Shown folded, behind a “Spoiler” toggle."
    )
    quote = models.TextField(
        blank=True, max_length=1000, help_text="A passage of the article this comment answers."
    )
    quote_anchor = models.CharField(
        max_length=40, blank=True, help_text="The id of the quoted paragraph."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    moderation_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the moderation rules gave this comment its status.",
    )
    trashed_from = models.CharField(max_length=10, blank=True, editable=False)
    approved_by_moderator = models.BooleanField(
        default=False,
        editable=False,
        help_text="A person approved it (a moderator, a staff author, or the site it was "
        "imported from), not the rules: only such comments make their address trusted.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        help_text="Set when a member of staff wrote it while logged in.",
    )
    notify = models.BooleanField(
        "notify of replies", default=False, help_text="Mail the author when a reply is approved."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    imported_from = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="Where an imported comment came from (WordPress site and comment id).",
    )
    import_fingerprint = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="A digest of what the last import wrote: a comment that no longer "
        "matches it was changed here, and a new import leaves it alone.",
    )
    form_nonce = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When its author last edited it."
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["article", "created_at"],
                condition=Q(status="approved"),
                name="comment_approved_thread_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="comment_moderation_idx"),
            models.Index(fields=["ip_address", "-created_at"], name="comment_ip_idx"),
        ]
        constraints = [
            # Each rendered form can post once: the database, not only the form,
            # refuses a double click, a resubmitted page or a replayed request.
            models.UniqueConstraint(
                fields=["form_nonce"],
                condition=~Q(form_nonce=""),
                name="comment_form_posted_once",
            ),
            models.UniqueConstraint(
                fields=["imported_from"],
                condition=~Q(imported_from=""),
                name="comment_imported_once",
            ),
        ]

    def __str__(self):
        return f"{self.name} on {self.article}"

    def save(self, *args, **kwargs):
        self.email_canonical = canonical_email(self.email)
        self.text_html = render_comment_text(
            self.text,
            spoilers=self.has_spoilers,
            quote=self.quote,
            quote_anchor=self.quote_anchor,
        )
        if self._state.adding and self.status != self.Status.APPROVED:
            # A new comment readers can't see changes nothing they see: one INSERT,
            # atomic on its own, without BEGIN and COMMIT round trips (held and spam
            # comments are most posts). Inside a caller's transaction, a savepoint
            # keeps a refused INSERT (a replayed form) from spoiling it.
            nested = connection.in_atomic_block
            with transaction.atomic() if nested else contextlib.nullcontext():
                super().save(*args, **kwargs)
            return
        with transaction.atomic():
            if self.pk is not None:
                self.html = comment_card(self)
            super().save(*args, **kwargs)
            if not self.html:  # a new comment: its card links to itself, so after the INSERT
                self.html = comment_card(self)
                Comment.objects.filter(pk=self.pk).update(html=self.html)
            refresh_discussion({self.article_id})

    def get_absolute_url(self):
        """The lasting address: it finds the page of threads the comment is on."""
        return reverse("comments:permalink", args=[self.article.slug, self.pk])

    @property
    def is_staff_reply(self) -> bool:
        return self.user_id is not None

    def in_edit_window(self) -> bool:
        """May its author still edit or delete it (COMMENTS_EDIT_MINUTES after posting)?"""
        return timezone.now() - self.created_at <= timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)

    def status_after_edit(self, proposed: str) -> str:
        """An edit may lower a comment's status, never raise it: a held comment stays
        held and one a moderator sent back stays there, whatever the rules now say."""
        rank = [self.Status.SPAM, self.Status.PENDING, self.Status.APPROVED]
        current = self.status if self.status in rank else self.Status.PENDING
        return min(current, proposed, key=rank.index)


@receiver(post_delete, sender=Comment)
def _recount_after_delete(sender, instance, **kwargs):
    # Deleting (in the admin, or with the article) must take the comment off the
    # page now, not when the cached thread expires.
    refresh_discussion({instance.article_id})


def comments_are_open(article: Article) -> bool:
    """Open unless the article turned them off or is older than COMMENTS_CLOSE_AFTER_DAYS."""
    if not article.allow_comments:
        return False
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if not days or article.published_at is None:
        return True
    return article.published_at > timezone.now() - timedelta(days=days)


def refresh_discussion(article_ids) -> None:
    """Recount approved comments on these articles and stamp the change.

    The article row carries its approved-comment count and the time its
    discussion last changed, so listing pages need no join and the article
    page's caches and ETag change exactly when the discussion does. Counting
    (not incrementing) after locking the rows keeps concurrent writers right:
    each recount starts after the previous one committed and sees its comment.
    """
    ids = sorted(article_ids)
    if not ids:
        return
    approved = (
        Comment.objects.filter(article=OuterRef("pk"), status=Comment.Status.APPROVED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    with transaction.atomic():
        list(Article.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        Article.objects.filter(pk__in=ids).update(
            comment_count=Coalesce(Subquery(approved), 0), discussion_updated_at=Now()
        )
    invalidate()


class ModerationKeyword(models.Model):
    class Action(models.TextChoices):
        HOLD = "hold", "Hold for moderation"
        SPAM = "spam", "Mark as spam"

    phrase = models.CharField(
        max_length=200,
        unique=True,
        help_text="Matched case-insensitively inside the name, email, website, "
        "comment, IP address and browser of each new comment.",
    )
    action = models.CharField(max_length=4, choices=Action, default=Action.HOLD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "phrase"]

    def __str__(self):
        return self.phrase


class Subscriber(models.Model):
    """An address that asked to be told of replies, and whether it proved it is theirs.

    ``email`` holds the canonical form (comments/identity.py), the one mail goes to.
    """

    email = models.EmailField(max_length=254, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = canonical_email(self.email)
        super().save(*args, **kwargs)

    @property
    def wants_replies(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
