"""A reader's comment on an article: its words, its status, its thread."""

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from articles.models import Article
from comments.identity import canonical_email
from comments.models.queries import CommentQuerySet, refresh_discussion
from comments.models.thread import ShownAuthor
from comments.rendering import render_comment_text
from comments.thread_html import comment_card
from operations.routes import reverse


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
    deleted_by_author = models.BooleanField(
        default=False,
        editable=False,
        help_text="Its author deleted it: it stays in the trash, and no moderator's action "
        "can publish it again.",
    )
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
    parent_told_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the author of the comment it replies to was mailed about it: once.",
    )
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
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
            # What its author deleted is never shown again, whatever writes the row.
            models.CheckConstraint(
                condition=Q(deleted_by_author=False) | Q(status__in=["trash", "spam"]),
                name="comment_deleted_by_author_stays_down",
            ),
        ]

    def __str__(self):
        return f"{self.name} on {self.article}"

    def save(self, *args, unseen: bool = False, **kwargs):
        """Save, and refresh what readers see of the discussion. ``unseen``: a change to
        a comment readers could not see and still can't (an edit of a held comment), so
        no card and no page changes: one UPDATE."""
        self.email_canonical = canonical_email(self.email)
        self.text_html = render_comment_text(
            self.text,
            spoilers=self.has_spoilers,
            quote=self.quote,
            quote_anchor=self.quote_anchor,
        )
        if unseen and not self._state.adding and self.status != self.Status.APPROVED:
            self.html = ""  # a card of earlier words must not outlive them: made on approval
            super().save(*args, **kwargs)
            return
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
        return timezone.now() <= self.edit_window_closes()

    def edit_window_closes(self):
        return self.created_at + timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)

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
    """Open on a published article, unless it turned them off or is older than
    COMMENTS_CLOSE_AFTER_DAYS (a draft's preview shows no form that can't post)."""
    if not article.allow_comments or not article.is_published():
        return False
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if not days or article.published_at is None:
        return True
    return article.published_at > timezone.now() - timedelta(days=days)
