import functools
import re
from contextvars import ContextVar
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import F, Func, Q
from django.utils import timezone
from markdownx.models import MarkdownxField

from articles.images import renditions
from articles.rendering import (
    reading_minutes,
    render_markdown,
    typographic,
    without_control_characters,
)
from operations.compiled import Compiled
from operations.routes import reverse

# Marks around matched words in search snippets: characters no article contains,
# so the snippet can be escaped first and the marks turned into <mark> after.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"
# A "-" that excludes nothing (not followed by a word or a phrase): PostgreSQL stacks one
# NOT per dash and refuses 33 in a row ("tsquery stack too small").
_DANGLING_NOT = re.compile(r'-(?![\w"])')
_TERM = re.compile(r'(-?)("[^"]*"?|[^\s"]+)')  # a -sign, then a "phrase" or a word


def public_name(user) -> str:
    """The name readers see for someone on the staff (a byline, a reply): their full
    name, else the site's. Never the login name: that is half of signing in to the admin."""
    return user.get_full_name() or settings.SITE_NAME


def previews_drafts(user) -> bool:
    """Staff the admin shows articles to (who may view or change them) read drafts and
    scheduled articles on the site: their previews."""
    return user.is_staff and (
        user.has_perm("articles.view_article") or user.has_perm("articles.change_article")
    )


class TypedByEditors:
    """A model whose ``TYPED`` text fields lose their control characters before
    validation (a form's unique check must see the value that will be stored) and on
    save (rows written without a form)."""

    TYPED: tuple[str, ...] = ()

    def drop_control_characters(self) -> None:
        for name in self.TYPED:
            setattr(self, name, without_control_characters(getattr(self, name)))

    def clean_fields(self, exclude=None):
        self.drop_control_characters()
        super().clean_fields(exclude)


# A snippet is cut from this many characters of the body, from this far before its first match.
PASSAGE_LENGTH, PASSAGE_LEAD = 1200, 300


class Tag(TypedByEditors, models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    TYPED = ("name",)

    def save(self, *args, **kwargs):
        self.drop_control_characters()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})


# True while an editor brings back a deleted article (ArticleAdmin.recover_view): what its
# saving sets off knows it is not new writing (its mailing's record went with it).
recovering: ContextVar[bool] = ContextVar("recovering", default=False)


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """Articles readers may see (at ``at``, now if not given): published, and not
        scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def for_reading(self):
        """With what an article page shows: its author, not its long Markdown source
        or search text."""
        return self.select_related("author").defer("body", "body_text")

    def visible_to(self, user):
        """Published articles, plus drafts and scheduled ones for the staff the admin
        shows articles to (who may view or change them): their previews."""
        return self if previews_drafts(user) else self.published()

    def search(self, query: str):
        """Articles matching a reader's query, best first, with highlighted snippets.

        websearch syntax ("quoted phrases", -exclusions, or) parsed by PostgreSQL,
        which never fails on odd input; a blank query finds nothing.
        """
        parsed = _parsed_query(query)
        if parsed is None:
            return self.none()
        return (
            self.filter(search_vector=parsed)
            .annotate(rank=SearchRank(F("rank_vector"), parsed))
            .with_snippets(query)
            .order_by("-rank", "-published_at", "-pk")
        )

    def with_snippets(self, query: str):
        """These articles with ``snippet``: their body around the words of a query, marked.

        Any of the query's words marks a passage: an article matches all of them, but
        far apart its passage holds one, and ts_headline given them all marks nothing.
        """
        parsed = _parsed_query(_any_wanted(query))
        if parsed is None:
            return self
        return self.annotate(
            snippet=SearchHeadline(
                _Passage("body_text", parsed),
                parsed,
                config="english",
                start_sel=HIGHLIGHT_START,
                stop_sel=HIGHLIGHT_STOP,
                max_words=40,
                min_words=20,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )


def search_page(query: str, number: int, per_page: int) -> tuple[list[int], int]:
    """The ids on one page of what readers find for ``query``, best first, and how many
    they find.

    One query, so each article is matched once, not once to count and again to rank;
    a page past the end is the last one. Only ids, rank and date go through the
    ranking: snippets and fields are loaded for the shown page alone. The matching is
    ``published().search()``, compiled once (operations/compiled.py).
    """
    words = _searchable(query)
    if not words:
        return [], 0
    database, sql, params = _SEARCH_MATCHES.statement(words=words, now=timezone.now())
    with connections[database].cursor() as cursor:
        cursor.execute(
            f"""
            WITH matches AS MATERIALIZED ({sql}),
                 total AS (SELECT count(*) AS n FROM matches)
            SELECT pk, (SELECT n FROM total) FROM matches
            ORDER BY rank DESC, published_at DESC, pk DESC
            LIMIT %s OFFSET %s * LEAST(%s, ((SELECT n FROM total) - 1) / %s)
            """,  # noqa: S608 - Django's own SQL for a QuerySet, values as parameters
            [*params, per_page, per_page, number - 1, per_page],
        )
        rows = cursor.fetchall()
    return [pk for pk, _ in rows], (rows[0][1] if rows else 0)


def has_searchable_words(query: str) -> bool:
    """Whether a query keeps any word once PostgreSQL drops the ones too common to
    index ("the", "and"...): a query of only those finds nothing, and readers are told why."""
    query = _searchable(query)
    if not query:
        return False
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery('english', %s)) > 0", [query])
        return cursor.fetchone()[0]


def _parsed_query(query: str) -> SearchQuery | None:
    query = _searchable(query)
    return SearchQuery(query, search_type="websearch", config="english") if query else None


def _any_wanted(query: str) -> str:
    """The words and "phrases" a query asks for, as one query for any of them: what
    its -exclusions and or's leave (websearch syntax, read in one pass)."""
    wanted = [term for sign, term in _TERM.findall(query) if not sign and term.lower() != "or"]
    return " or ".join(wanted)


def _searchable(query: str) -> str:
    """The query as PostgreSQL's websearch parser gets it ('' if blank)."""
    query = _DANGLING_NOT.sub(" ", query or "")
    return query if query.strip() else ""


class _Passage(Func):
    """About 1,200 characters of a text, from a little before the first match of a query.

    ts_headline parses all the text it is given: 7 ms for a long essay, times ten
    results. A snippet needs one passage, so it gets one. The query's words come from
    the parsed query, stemmed ("shootouts" is 'shootout', which starts the word
    "shootout" in the text), a phrase's words in a row; a text without them gives
    its beginning.
    """

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra):
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        # The parsed query as text is 'coffe' <-> 'shop' & 'heat': a phrase is first
        # joined into one quoted run ('coffe§shop'); each run's characters are escaped,
        # and § becomes "the rest of the word, then up to two more words" (stop words).
        runs = rf"regexp_replace(({query_sql})::text, $$'\s*<(-|\d+)>\s*'$$, '§', 'g')"
        escaped = r"regexp_replace(m[1], '([^[:alnum:]§])', '\\\1', 'g')"
        pattern = rf"replace({escaped}, '§', '\w*\W+(?:\w+\W+){{0,2}}')"
        each_run = rf"regexp_matches({runs}, $$'([^']+)'$$, 'g') m"
        words = rf"(SELECT '\m(' || string_agg({pattern}, '|') || ')' FROM {each_run})"  # noqa: S608
        first = f"coalesce(nullif(regexp_instr({text_sql}, {words}, 1, 1, 0, 'i'), 0), 1)"
        first_params = (*text_params, *query_params)
        # The passage starts at a word: a little before the first match, or the text's start.
        later_word = rf"regexp_instr({text_sql}, '\m', {first} - %s)"
        start = f"CASE WHEN {first} > %s THEN {later_word} ELSE 1 END"
        start_params = (*first_params, PASSAGE_LEAD, *text_params, *first_params, PASSAGE_LEAD)
        sql = f"substr({text_sql}, {start}, %s)"
        return sql, (*text_params, *start_params, PASSAGE_LENGTH)


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search vector is large and only PostgreSQL reads it: never load it.
        return super().get_queryset().defer("search_vector", "rank_vector")


class Article(TypedByEditors, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The article’s address: /articles/this-slug/. "
        "Lowercase letters, digits and hyphens. Changed later, links to the old "
        "address still lead here.",
    )
    dek = models.CharField(
        "summary",
        max_length=300,
        blank=True,
        help_text="One or two sentences under the title, also used by feeds and search engines.",
    )
    body = MarkdownxField(
        help_text="Markdown. Use ## for section headings; indent a list inside a list by four "
        "spaces; ``` on lines of their own around code."
    )
    body_html = models.TextField(editable=False, default="")
    # The body as readers read it, without Markdown's ** and ](...): what search
    # indexes and quotes in its snippets.
    body_text = models.TextField(editable=False, default="")
    toc = models.JSONField(editable=False, default=list)
    word_count = models.PositiveIntegerField(editable=False, default=0)
    excerpt = models.TextField(editable=False, default="")
    # In every preview link of this article (articles/previews.py): a new one stops the
    # links given so far. Cleared when an article readers could see is taken back to
    # draft; not versioned (restoring an old version must not revive stopped links).
    preview_key = models.CharField(max_length=32, editable=False, blank=True, default="")
    cover_image = models.ImageField(
        upload_to="covers/",
        blank=True,
        width_field="cover_width",
        height_field="cover_height",
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB. Shown above the article and in links.",
    )
    cover_width = models.PositiveIntegerField(editable=False, null=True)
    cover_height = models.PositiveIntegerField(editable=False, null=True)
    cover_sources = models.JSONField(
        editable=False, default=dict, help_text="Responsive renditions of the cover."
    )
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
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    allow_comments = models.BooleanField(default=True)
    imported_from = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="Where an imported article came from (WordPress site and post id).",
    )
    # Kept by the comments app (comments.models.refresh_discussion): listing
    # pages show counts without a join, and caches and ETags of the article page
    # change exactly when its discussion does.
    comment_count = models.PositiveIntegerField(editable=False, default=0)
    discussion_updated_at = models.DateTimeField(editable=False, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config="english")
            + SearchVector("dek", weight="B", config="english")
            + SearchVector("body_text", weight="C", config="english")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # Ranking reads this small vector, not the body's: a common word can match
    # thousands of articles, and ranking them by the whole body costs a detoast
    # of every one (100 ms at 10,000 articles). Title beats summary beats body.
    rank_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config="english")
            + SearchVector("dek", weight="B", config="english")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ArticleManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_published_idx"),
            GinIndex(fields=["search_vector"], name="article_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="published_article_has_date",
            ),
            models.UniqueConstraint(
                fields=["imported_from"],
                condition=~Q(imported_from=""),
                name="article_imported_once",
            ),
        ]

    def __str__(self):
        return self.title

    TYPED = ("title", "dek", "body", "cover_alt")

    def save(self, *args, **kwargs):
        self.drop_control_characters()
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        # The address readers may have had: this article's slug, if it has been out (its
        # date has come, whether it is still published or was taken back to draft).
        been_out = Article.objects.filter(pk=self.pk, published_at__lte=timezone.now())
        before = been_out.values_list("slug", flat=True).first() if self.pk else None
        # Taken back from readers: the preview links given before it went out stay dead,
        # whatever its date says later (articles/previews.py).
        taken_back = before and self.status == self.Status.DRAFT
        if taken_back and been_out.filter(status=self.Status.PUBLISHED).exists():
            self.preview_key = ""
        # As the body's are (smarty): typed ' " -- ... become ’ “ ” – … in what readers see.
        self.title, self.dek = typographic(self.title), typographic(self.dek)
        rendered = render_markdown(self.body)
        if rendered.images:
            # The renderer does no I/O: make the renditions of the images the body
            # shows (which only Markdown can tell) and render again with them.
            sources = {name: renditions(name) for name in rendered.images}
            rendered = render_markdown(self.body, sources)
        self.body_html = rendered.html
        self.body_text = rendered.plain_text
        self.toc = rendered.toc
        self.word_count = rendered.word_count
        self.excerpt = rendered.excerpt
        self.left_out_tags = rendered.left_out  # not stored: the admin tells the editor
        super().save(*args, **kwargs)
        if before and before != self.slug:  # links to the old address keep working
            FormerSlug.objects.update_or_create(slug=before, defaults={"article": self})
        # After saving: the storage holds a newly uploaded cover only now.
        sources = renditions(self.cover_image.name) if self.cover_image else {}
        if sources != self.cover_sources:
            self.cover_sources = sources
            Article.objects.filter(pk=self.pk).update(cover_sources=sources)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()  # "Empty: now", before the date is checked
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

    def shown_tags(self) -> list[Tag]:
        """Its tags, by name, as its page lists them (one compiled read, see below)."""
        fields = ("id", "name", "slug")
        database = router.db_for_read(Tag)
        return [Tag.from_db(database, fields, row) for row in _TAGS.rows(article=self.pk)]

    def neighbours(self) -> tuple[dict | None, dict | None]:
        """The published articles just before and after it: title, slug, published_at."""
        older = newer = None
        for title, slug, published_at in _NEIGHBOURS.rows(
            moment=self.published_at, now=timezone.now()
        ):
            row = {"title": title, "slug": slug, "published_at": published_at}
            if published_at < self.published_at:
                older = row
            else:
                newer = row
        return older, newer

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_published()

    @property
    def summary(self) -> str:
        return self.dek or self.excerpt

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)

    @property
    def contents(self) -> list[dict]:
        """The contents as a reader's outline: each section with the subsections under it
        (a list of its own, numbered apart), from the flat ``toc``."""
        sections: list[dict] = []
        for entry in self.toc:
            if entry["level"] > 2 and sections:
                sections[-1]["subsections"].append(entry)
            else:
                sections.append({**entry, "subsections": []})
        return sections


class FormerSlug(models.Model):
    """An address an article had before an editor changed its slug.

    Mailed, shared and bookmarked links to it are sent on to the article's address now
    (articles.views.moved); an article that takes this slug later comes first.
    """

    slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="former_slugs")
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.slug


def article_to_read(slug: str, user) -> Article | None:
    """The article at ``slug`` as its page shows it to this user, if they may read it:
    a published one, or for staff who preview them, a draft or scheduled one too.

    Readers' is the site's most frequent read: compiled once (PublishedBySlug), with
    the author's name only (a byline needs no more of the account).
    """
    if previews_drafts(user):
        return Article.objects.for_reading().filter(slug=slug).first()
    return _TO_READ(slug)


class PublishedBySlug:
    """A published article by its slug, with these of its fields and of its author's
    (always their ids), the rest deferred: one read, compiled once per process
    (operations/compiled.py) for the pages and posts that make it on every request."""

    def __init__(self, fields: set[str], author_fields: set[str]):
        self.fields = _in_model_order(Article, {"id", "author_id", *fields})
        self.author_fields = author_fields
        self._read = Compiled(
            lambda slug, now: (
                Article.objects.published(at=now)
                .filter(slug=slug)
                .values_list(*self.fields, *(f"author__{name}" for name in self._author[1]))
            ),
            slug=str,
            now=datetime,
        )

    def __call__(self, slug: str) -> Article | None:
        rows = self._read.rows(slug=slug, now=timezone.now())
        if not rows:
            return None
        database = router.db_for_read(Article)
        article = Article.from_db(database, self.fields, rows[0][: len(self.fields)])
        author, fields = self._author
        article.author = author.from_db(database, fields, rows[0][len(self.fields) :])
        return article

    @functools.cached_property
    def _author(self):
        """The user model (known once the apps are) and the fields read of it."""
        user = Article._meta.get_field("author").related_model
        return user, _in_model_order(user, {"id", *self.author_fields})


def _in_model_order(model, names: set[str]) -> tuple[str, ...]:
    """Model.from_db takes a row's fields in the model's order."""
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in names)


# The article page's reads, compiled once (operations/compiled.py). As for_reading():
# not the Markdown source, the search text or the search vectors.
_TO_READ = PublishedBySlug(
    {field.attname for field in Article._meta.concrete_fields}
    - {"body", "body_text", "search_vector", "rank_vector"},
    author_fields={"first_name", "last_name"},
)
_TAGS = Compiled(
    lambda article: Tag.objects.filter(articles=article).values_list("id", "name", "slug"),
    article=int,
)


def _neighbours(moment, now):
    published = Article.objects.published(at=now).values_list("title", "slug", "published_at")
    older = published.filter(published_at__lt=moment).order_by("-published_at")
    newer = published.filter(published_at__gt=moment).order_by("published_at")
    return older[:1].union(newer[:1], all=True).order_by()


_NEIGHBOURS = Compiled(_neighbours, moment=datetime, now=datetime)
_SEARCH_MATCHES = Compiled(
    lambda words, now: (
        Article.objects.published(at=now)
        .search(words)
        .order_by()
        .values_list("pk", "rank", "published_at")
    ),
    words=str,
    now=datetime,
)
