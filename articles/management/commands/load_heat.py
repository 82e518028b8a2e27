from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils.text import slugify

from articles.content import cover
from articles.models import Article, Tag

HEAT_MARKDOWN = Path(__file__).resolve().parents[2] / "content" / "heat-1995.md"
COVER = "covers/heat-1995.jpg"
HEAT_TAGS = ["Michael Mann", "Crime", "Al Pacino", "Robert De Niro", "1990s"]


class Command(BaseCommand):
    help = "Load the Heat (1995) essay. Safe to re-run: an existing article is left alone."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite the article's title and body with the file, discarding edits.",
        )

    def handle(self, *args, force=False, **options):
        title, body = _split_title(HEAT_MARKDOWN.read_text(encoding="utf-8"))
        slug = slugify(title)
        article = Article.objects.filter(slug=slug).first()
        if article and not force:
            self.stdout.write(f"“{article.title}” is already loaded; --force overwrites it.")
            return
        if article is None:
            article = Article(slug=slug, author=_house_author(), status=Article.Status.PUBLISHED)
        article.title = title
        article.body = body
        if not article.cover_image:
            article.cover_image, article.cover_alt = _cover(), cover.ALT
        article.save()
        article.tags.set(
            Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
            for name in HEAT_TAGS
        )
        self.stdout.write(self.style.SUCCESS(f"Loaded “{title}” at {article.get_absolute_url()}"))


def _split_title(markdown_text: str) -> tuple[str, str]:
    first_line, _, rest = markdown_text.partition("\n")
    return first_line.removeprefix("# ").strip(), rest.strip() + "\n"


def _cover() -> str:
    """The cover illustration's storage name, drawn and stored the first time only."""
    if not default_storage.exists(COVER):
        return default_storage.save(COVER, ContentFile(cover.cover_jpeg()))
    return COVER


def _house_author():
    user, created = get_user_model().objects.get_or_create(
        username="heatblog", defaults={"first_name": "heatblog", "last_name": "editors"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
