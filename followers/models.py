"""Who follows the blog by email, and each article's mailing to them, one delivery each.

A ``Follower`` is one canonical address (comments/identity.py) that asked for new
articles; it gets them once it has confirmed and until it unsubscribes (or bounces
too often). A ``Mailing`` is one article's editorial choices (send it? whole or
summary?) and when its sending started; a ``Delivery`` is one follower's copy of one
mailing, unique per (mailing, follower): that constraint, and claiming a delivery
before its mail goes out (followers/sending.py), is what makes sending exactly once.
"""

from django.db import models
from django.db.models import Count, Q

from articles.models import Article
from comments.identity import StoredCanonically


class FollowerQuerySet(models.QuerySet):
    def confirmed(self):
        """Followers who get new articles: confirmed, not unsubscribed."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def pending(self):
        """Addresses that asked but have not followed the confirmation link yet."""
        return self.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)

    def unsubscribed(self):
        """Former followers (by their own click, or after too many hard bounces)."""
        return self.filter(unsubscribed_at__isnull=False)

    def counts(self) -> dict[str, int]:
        """How many are confirmed, pending and unsubscribed, in one query."""
        confirmed = Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
        pending = Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        return self.aggregate(
            confirmed=Count("pk", filter=confirmed),
            pending=Count("pk", filter=pending),
            unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        )


class Follower(StoredCanonically, models.Model):
    """An address that asked for new articles by email. ``email`` is canonical."""

    class Reason(models.TextChoices):
        READER = "reader", "by the reader"
        BOUNCES = "bounces", "too many hard bounces"

    email = models.EmailField(max_length=254, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_because = models.CharField(max_length=10, choices=Reason, blank=True)
    hard_bounces = models.PositiveSmallIntegerField(
        default=0, help_text="Permanent refusals by the reader's mail server in a row."
    )
    last_bounce = models.CharField(max_length=300, blank=True)

    objects = FollowerQuerySet.as_manager()

    def __str__(self):
        return self.email

    @property
    def status(self) -> str:
        if self.unsubscribed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "pending"

    @property
    def gets_articles(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Mailing(models.Model):
    """One article sent to followers: the editor's choices, and when sending started."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="mailing")
    send_to_followers = models.BooleanField(
        "email it to followers",
        default=True,
        help_text="Sent once, when the article is published (at its scheduled time), or "
        "at once if it is already published and was never sent. Once sending has "
        "started it can't be called back.",
    )
    full_text = models.BooleanField(
        "send the whole article",
        default=False,
        help_text="Otherwise followers get the title, the summary and a link to read it here.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Touched by each claim of a delivery: a mailing with queued deliveries and no
    # progress for a while lost its worker, and the periodic check sends the rest
    # (sending.py).
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self):
        return f"Mailing of “{self.article}”"


class Delivery(models.Model):
    """One follower's copy of one mailing, and where it stands."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "being sent"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped (unsubscribed before their turn)"

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["mailing", "follower"], name="one_copy_per_follower"),
        ]
        indexes = [
            # The claim's scan: the next queued delivery of a mailing, in id order.
            models.Index(
                fields=["mailing", "id"],
                condition=Q(status="queued"),
                name="delivery_queued_idx",
            ),
            models.Index(fields=["mailing", "status"], name="delivery_progress_idx"),
        ]

    def __str__(self):
        return f"{self.mailing.article} to {self.follower}: {self.status}"
