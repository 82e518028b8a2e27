from django.db import models

from comments.identity import StoredCanonically


class Subscriber(StoredCanonically, models.Model):
    """An address that asked to be told of replies, and whether it proved it is theirs.

    ``email`` holds the canonical form (comments/identity.py), the one mail goes to.
    """

    email = models.EmailField(max_length=254, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Beside "Followers" (new articles by email) in the admin: say what this one is.
        verbose_name = "reply notification address"
        verbose_name_plural = "reply notification addresses"

    def __str__(self):
        return self.email

    @property
    def wants_replies(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
