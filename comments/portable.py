"""The whole blog as one JSON document, and back: nothing is locked in.

`export_json` writes every article (with its author, tags and Markdown) and every
comment (with its thread, status, dates and the moderator-only fields) in a plain,
documented shape; `import_json` reads it into another database. Comments refer to
their article by slug and to their parent by the id in the file.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from articles.models import Article, Tag
from comments.models import Comment, refresh_discussion

FORMAT = "heatblog-export"
VERSION = 1
ARTICLE_FIELDS = (
    "title", "slug", "dek", "body", "status", "allow_comments", "cover_alt",
    "imported_from",
)  # fmt: skip
ARTICLE_DATES = ("published_at", "created_at", "updated_at")
COMMENT_FIELDS = (
    "name", "email", "website", "text", "status", "moderation_reason", "trashed_from",
    "notify", "ip_address", "user_agent", "imported_from",
)  # fmt: skip
COMMENT_DATES = ("created_at", "updated_at")
USER_FIELDS = ("username", "email", "first_name", "last_name")


def export_site() -> dict:
    """Every article and comment, as JSON-ready data."""
    articles = Article.objects.select_related("author").prefetch_related("tags").order_by("pk")
    comments = Comment.objects.select_related("article", "user").order_by("pk")
    return {
        "format": FORMAT,
        "version": VERSION,
        "articles": [
            {
                **{name: getattr(a, name) for name in ARTICLE_FIELDS},
                **{name: _iso(getattr(a, name)) for name in ARTICLE_DATES},
                "cover_image": a.cover_image.name or "",
                "author": {name: getattr(a.author, name) for name in USER_FIELDS},
                "tags": [{"name": t.name, "slug": t.slug} for t in a.tags.all()],
            }
            for a in articles
        ],
        "comments": [
            {
                "id": c.pk,
                "article": c.article.slug,
                "parent": c.parent_id,
                "user": c.user.get_username() if c.user else None,
                **{name: getattr(c, name) for name in COMMENT_FIELDS},
                **{name: _iso(getattr(c, name)) for name in COMMENT_DATES},
            }
            for c in comments
        ],
    }


@transaction.atomic
def import_site(data: dict) -> tuple[int, int]:
    """Load an export: articles by slug (updated if present), then comments and threads."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(f"this is not a {FORMAT} version {VERSION} file")
    slugs = [row["slug"] for row in data["articles"]]
    if Comment.objects.filter(article__slug__in=slugs).exists():
        raise ValueError("these articles already have comments here; import into an empty database")
    articles = {}
    for row in data["articles"]:
        article = Article.objects.filter(slug=row["slug"]).first() or Article(slug=row["slug"])
        for name in ARTICLE_FIELDS:
            setattr(article, name, row[name])
        article.published_at = _date(row["published_at"])
        article.cover_image.name = row["cover_image"]
        article.author = _user(row["author"])
        article.save()
        article.tags.set(
            Tag.objects.get_or_create(slug=t["slug"], defaults={"name": t["name"]})[0]
            for t in row["tags"]
        )
        # auto_now/auto_now_add would stamp today: keep the dates the export carries.
        Article.objects.filter(pk=article.pk).update(
            created_at=_date(row["created_at"]), updated_at=_date(row["updated_at"])
        )
        articles[article.slug] = article
    users = {}
    new_ids = {}
    for row in data["comments"]:
        username = row["user"]
        if username and username not in users:
            users[username] = get_user_model().objects.filter(username=username).first()
        comment = Comment(
            article=articles[row["article"]],
            user=users.get(username),
            created_at=_date(row["created_at"]),
            **{name: row[name] for name in COMMENT_FIELDS},
        )
        comment.save()
        new_ids[row["id"]] = comment.pk
    for row in data["comments"]:
        Comment.objects.filter(pk=new_ids[row["id"]]).update(
            parent_id=new_ids.get(row["parent"]), updated_at=_date(row["updated_at"])
        )
    refresh_discussion({a.pk for a in articles.values()})
    return len(articles), len(new_ids)


def _user(row: dict):
    user, created = get_user_model().objects.get_or_create(
        username=row["username"], defaults={k: row[k] for k in USER_FIELDS[1:]}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
