from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from articles.rendering import reading_minutes, render_markdown


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles readers may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Published articles, plus drafts and scheduled ones for staff previews."""
        return self if user.is_staff else self.published()


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The article's address: /articles/<slug>/."
    )
    dek = models.CharField(
        "summary",
        max_length=300,
        blank=True,
        help_text="One or two sentences under the title, also used by feeds and search engines.",
    )
    body = MarkdownxField(help_text="Markdown. Use ## for section headings.")
    body_html = models.TextField(editable=False, default="")
    toc = models.JSONField(editable=False, default=list)
    word_count = models.PositiveIntegerField(editable=False, default=0)
    excerpt = models.TextField(editable=False, default="")
    cover_image = models.ImageField(upload_to="covers/%Y/%m/", blank=True)
    cover_alt = models.CharField(
        "cover image description",
        max_length=250,
        blank=True,
        help_text="What the cover image shows, for readers who can't see it.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text="Empty: now, when published. A future date schedules the article.",
    )
    allow_comments = models.BooleanField(default=True)
    # Kept by the comments app (comments.models.refresh_discussion): listing
    # pages show counts without a join, and caches and ETags of the article page
    # change exactly when its discussion does.
    comment_count = models.PositiveIntegerField(editable=False, default=0)
    discussion_updated_at = models.DateTimeField(editable=False, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="published_article_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        rendered = render_markdown(self.body)
        self.body_html = rendered.html
        self.toc = rendered.toc
        self.word_count = rendered.word_count
        self.excerpt = rendered.excerpt
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.cover_image and not self.cover_alt.strip():
            raise ValidationError(
                {"cover_alt": "Describe the cover image for readers who can't see it."}
            )

    def is_published(self) -> bool:
        """Whether readers may see it now (mirrors ArticleQuerySet.published)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_published()

    @property
    def summary(self) -> str:
        return self.dek or self.excerpt

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)
