from django.db import models


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
