"""The whole blog as one JSON document, and back: nothing is locked in.

`export_json` writes every article, tag, former address of an article, comment,
subscriber, follower, moderation keyword and removed import; `import_json` loads it into
another, empty database, where export and import reproduce every one of those rows field
for field, dates included.

The document (version 2)::

    {"format": "heatblog-export", "version": 2,
     "users":               [{"username", "email", "first_name", "last_name"}, ...],
     "tags":                [{"name", "slug"}, ...],
     "articles":            [{...fields, "author": username, "tags": [tag slug, ...]}, ...],
     "former_slugs":        [{"slug", "article": slug, "changed_at"}, ...],
     "comments":            [{"id": n, ...fields, "article": slug, "parent": id or null,
                              "user": username or null}, ...],
     "subscribers":         [{...fields}, ...],
     "followers":           [{...fields}, ...],
     "moderation_keywords": [{...fields}, ...],
     "removed_imports":     [{...fields}, ...]}

A row holds every stored field of its model (``_meta.concrete_fields``), so a field
added later travels without a change here. Left out are the id, the search vectors the
database generates, and what saving derives again from the rest (``DERIVED``): an
article's HTML, table of contents, word count, excerpt, cover renditions and comment
count, a comment's HTML and canonical address. Dates and times are ISO 8601 with their
offset and microseconds; a stored file is its name under the media folder. A relation
names its row: a user by username, an article or tag by slug, a comment by its "id" in
the file (the id it had on the exporting site). Reading, a field missing from a row
takes its default (a file from before the field existed); a field this site doesn't
have is refused rather than dropped.

Users carry who they are and nothing more: no password and no staff rights travel, and
a user created by an import can't log in until given a password. Copy the media folder
along, best before importing: cover sizes are in the file, but the renditions are found
(or made) from the images. Version 1 files (articles and comments only) are still read.
"""

from dataclasses import dataclass, field
from datetime import date, time

from django.contrib.auth import get_user_model
from django.core.validators import slug_re
from django.db import models, transaction

from articles.models import Article, FormerSlug, Tag
from comments.identity import StoredCanonically, at_a_domain_name, canonical_email
from comments.models import Comment, ModerationKeyword, Subscriber, refresh_discussion
from followers.models import Follower, Mailing
from transfer.models import RemovedImport

FORMAT = "heatblog-export"
VERSION = 2
USER_FIELDS = ("username", "email", "first_name", "last_name")


@dataclass(frozen=True)
class Section:
    model: type[models.Model]
    key: str  # the field that names a row; "id" is the id it had on the exporting site
    derived: frozenset[str] = field(default_factory=frozenset)  # saving computes these again
    stamped: frozenset[str] = field(default_factory=frozenset)  # set to "now" by others


# In the order they are loaded: a row's relations are loaded before it.
SECTIONS = {
    "tags": Section(Tag, "slug"),
    "articles": Section(
        Article,
        "slug",
        derived=frozenset(
            {
                "body_html",
                "body_text",
                "toc",
                "word_count",
                "excerpt",
                "cover_sources",
                "comment_count",
            }
        ),
        # comments.models.refresh_discussion stamps it whenever a comment is saved.
        stamped=frozenset({"discussion_updated_at"}),
    ),
    # Addresses an article had before: links to them still lead to it on the new site.
    "former_slugs": Section(FormerSlug, "slug"),
    "comments": Section(Comment, "id", derived=frozenset({"text_html", "email_canonical"})),
    "subscribers": Section(Subscriber, "email"),
    # Who follows, and who left (an unsubscribe must survive the move). Not the
    # mailings: a new site mails only what its editors choose to send from there.
    "followers": Section(Follower, "email"),
    "moderation_keywords": Section(ModerationKeyword, "phrase"),
    "removed_imports": Section(RemovedImport, "source"),
}


def counted(counts: dict[str, int]) -> str:
    """How many rows of each section, in words: "1 former slug, 3 comments"."""
    return ", ".join(
        f"{n} {meta.verbose_name if n == 1 else meta.verbose_name_plural}"
        for name, n in counts.items()
        for meta in [SECTIONS[name].model._meta]
    )


def export_site() -> dict:
    """Every row of every section, as JSON-ready data."""
    usernames = set()
    sections = {name: _export_rows(section, usernames) for name, section in SECTIONS.items()}
    users = get_user_model().objects.filter(username__in=usernames).order_by("username")
    return {
        "format": FORMAT,
        "version": VERSION,
        "users": list(users.values(*USER_FIELDS)),
        **sections,
    }


@transaction.atomic
def import_site(data: dict, *, replace_articles: bool = False) -> dict[str, int]:
    """Load an export into a new site's database; return how many rows each section had.

    It moves a blog to a new home, so it refuses a database where people have
    already done something: comments, subscribers, followers, moderation keywords or
    removed imports here would be overwritten (an unsubscribe undone, a keyword's
    decision reverted). An article whose slug is already here (the Heat essay `make run`
    loads) is overwritten only with ``replace_articles``.
    """
    data = _readable(data)
    if lived_in := [m._meta.verbose_name_plural for m in LIVED_IN if m.objects.exists()]:
        raise ValueError(
            f"this database already has {', '.join(map(str, lived_in))}: "
            "import into a new site's empty database"
        )
    slugs = [row["slug"] for row in data.get("articles", [])]
    clashes = sorted(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if clashes and not replace_articles:
        raise ValueError(
            f"articles with these slugs are already here: {', '.join(clashes)}; "
            "pass --replace-articles to overwrite them with the file's"
        )
    ids = {get_user_model(): _import_users(data.get("users", []))}
    loaded = {}
    for name, section in SECTIONS.items():
        loaded[name] = _import_rows(name, section, data.get(name, []), ids)
    refresh_discussion(ids[Article].values())
    # Last, what save() and refresh_discussion() stamped with "now", and the links
    # between rows of one section, written as the file has them.
    for name, section in SECTIONS.items():
        rows = data.get(name, [])
        fields = [
            f.name
            for f in _stored_fields(section)
            if _is_stamped(f, section) and all(f.name in row for row in rows)
        ]
        if fields and rows:
            section.model._base_manager.bulk_update(loaded[name], fields, batch_size=500)
    # Articles already out were mailed (or not) by the old site, and the file carries no
    # mailing history: none is sent again from here. A scheduled one still goes out.
    out = Article.objects.published().filter(pk__in=ids[Article].values())
    Mailing.objects.filter(article__in=out, started_at__isnull=True).update(send_to_followers=False)
    return {name: len(objects) for name, objects in loaded.items()}


# What people do on a live site, which an import must never overwrite.
LIVED_IN = (Comment, Subscriber, Follower, ModerationKeyword, RemovedImport)


def _stored_fields(section: Section) -> list[models.Field]:
    """The fields a row carries: stored, not the id, not generated, not derived on save."""
    return [
        f
        for f in section.model._meta.concrete_fields
        if not f.primary_key and not f.generated and f.name not in section.derived
    ]


def _is_stamped(f: models.Field, section: Section) -> bool:
    """Set by something other than the row's values: auto_now, others' "now", or a link
    to a row of the same section (which may not exist yet when this one is saved)."""
    return (
        getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
        or f.name in section.stamped
        or (f.is_relation and f.related_model is section.model)
    )


def _natural_key(model) -> str:
    """The field a row of ``model`` is named by in the file, wherever it is referred to."""
    if model is get_user_model():
        return model.USERNAME_FIELD
    return next(s.key for s in SECTIONS.values() if s.model is model)


def _export_rows(section: Section, usernames: set) -> list[dict]:
    model = section.model
    fields = _stored_fields(section)
    related = [f.name for f in fields if f.is_relation and f.related_model is not model]
    many = model._meta.many_to_many
    rows = model._default_manager.prefetch_related(*(f.name for f in many)).order_by("pk")
    if related:
        rows = rows.select_related(*related)
    data = []
    for obj in rows:
        row = {"id": obj.pk} if section.key == "id" else {}
        for f in fields:
            row[f.name] = _export_value(obj, f)
            if f.is_relation and f.related_model is get_user_model() and row[f.name]:
                usernames.add(row[f.name])
        for f in many:
            key = _natural_key(f.related_model)
            row[f.name] = sorted(getattr(other, key) for other in getattr(obj, f.name).all())
        data.append(row)
    return data


def _export_value(obj, f: models.Field):
    if f.is_relation:
        if f.related_model is type(obj):
            return getattr(obj, f.attname)  # an id in this same file
        related = getattr(obj, f.name)
        return None if related is None else getattr(related, _natural_key(f.related_model))
    value = f.value_from_object(obj)
    if isinstance(f, models.FileField):
        return value.name or ""
    if isinstance(value, date | time):
        # Not left to DjangoJSONEncoder: it cuts microseconds to milliseconds.
        return value.isoformat()
    return value


def _import_users(rows: list[dict]) -> dict[str, int]:
    """Find or create each user by username (existing ones are left as they are)."""
    user_model = get_user_model()
    ids = {}
    for row in rows:
        user, created = user_model.objects.get_or_create(
            username=row["username"], defaults={k: row[k] for k in USER_FIELDS[1:] if k in row}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        ids[user.username] = user.pk
    return ids


def _import_rows(name: str, section: Section, rows: list[dict], ids: dict) -> list:
    model = section.model
    fields = {f.name: f for f in _stored_fields(section)}
    many = {f.name: f for f in model._meta.many_to_many}
    known = fields.keys() | many.keys() | ({"id"} if section.key == "id" else set())
    keys = _row_keys(name, section, rows)
    saved = {}
    for row, key in zip(rows, keys, strict=True):
        if unknown := sorted(row.keys() - known):
            raise ValueError(f"{name} have fields this site does not know: {', '.join(unknown)}")
        values, files = {}, {}
        for field_name, value in row.items():
            f = fields.get(field_name)
            if f is None:
                continue
            if f.is_relation:
                if value is None and not f.null:
                    raise ValueError(f"{name} have a row without its {f.name}")
                if f.related_model is not model:  # rows of this same section: once all exist
                    values[f.attname] = _related_id(name, f, value, ids)
            elif isinstance(f, models.FileField):
                # Its name only: the file may be copied over later, and reading it now
                # (for its size) would fail.
                files[f.attname] = value
            else:
                values[f.attname] = f.to_python(value)
        pk = None
        if section.key != "id":
            values[section.key] = key  # as _row_keys read it (an address, canonical)
            existing = model._base_manager.filter(**{section.key: key})
            pk = existing.values_list("pk", flat=True).first()
        obj = model(pk=pk, **values)
        for attname, file_name in files.items():
            getattr(obj, attname).name = file_name
        obj.save()
        for field_name, f in many.items():
            getattr(obj, field_name).set(
                _related_id(name, f, value, ids) for value in row.get(field_name, [])
            )
        saved[key] = obj
    ids[model] = {key: obj.pk for key, obj in saved.items()}
    # The values import_site() writes back once nothing will stamp them any more.
    for row, key in zip(rows, keys, strict=True):
        obj = saved[key]
        for f in fields.values():
            if not _is_stamped(f, section) or f.name not in row:
                continue
            if f.is_relation:
                setattr(obj, f.attname, _related_id(name, f, row[f.name], ids))
            else:
                setattr(obj, f.attname, f.to_python(row[f.name]))
    return list(saved.values())


def _row_keys(name: str, section: Section, rows) -> list:
    """The key naming each row, or ValueError: rows must be objects, each with its key,
    no key twice. An address is compared in its canonical form, so "Ann@Example.com" and
    "ann@example.com" are one follower, listed twice, not one silently overwriting the
    other (an unsubscribe undone)."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(f"{name} must be a list of rows, each a JSON object")
    keys, seen = [], set()
    for row in rows:
        if section.key not in row:
            raise ValueError(f"{name} have a row without its {section.key}")
        key = row[section.key]
        is_slug = isinstance(section.model._meta.get_field(section.key), models.SlugField)
        if is_slug and not (isinstance(key, str) and slug_re.fullmatch(key)):
            raise ValueError(f"{name} have a {section.key} that is not one: {key!r}")
        if issubclass(section.model, StoredCanonically):  # keyed by its address
            canonical = canonical_email(key) if isinstance(key, str) else ""
            if not canonical or not at_a_domain_name(canonical):
                raise ValueError(f"{name} have an email that is not an address: {key!r}")
            key = canonical
        if key in seen:
            raise ValueError(f"{name} list {key} twice")
        seen.add(key)
        keys.append(key)
    return keys


def _related_id(name: str, f: models.Field, value, ids: dict):
    if value is None:
        return None
    try:
        return ids[f.related_model][value]
    except KeyError:
        raise ValueError(f"{name} refer to a {f.name} “{value}” the file doesn't have") from None


def _readable(data) -> dict:
    """The document in the current shape, or ValueError saying why it can't be read."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"this is not a {FORMAT} file")
    version = data.get("version")
    if version == 1:
        return _said_who_deleted(_from_version_1(data))
    if version != VERSION:
        raise ValueError(f"this is a version {version} file; this site reads versions 1 and 2")
    return _said_who_deleted(data)


def _said_who_deleted(data: dict) -> dict:
    """Comments exported before they said who deleted them (deleted_by_author), read as
    the migration that added it read the rows it found: by the reason then written."""
    rows = data.get("comments")
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and "deleted_by_author" not in row:
            row["deleted_by_author"] = (
                row.get("status") == "trash"
                and row.get("moderation_reason") == "deleted by its author"
            )
    return data


def _from_version_1(data: dict) -> dict:
    """A version 1 document (articles with their author and tags inline, comments) as 2."""
    users = {a["author"]["username"]: a["author"] for a in data["articles"]}
    for row in data["comments"]:
        if row["user"]:
            users.setdefault(row["user"], {"username": row["user"]})
    tags = {t["slug"]: t for a in data["articles"] for t in a["tags"]}
    articles = [
        {**a, "author": a["author"]["username"], "tags": [t["slug"] for t in a["tags"]]}
        for a in data["articles"]
    ]
    return {
        "users": list(users.values()),
        "tags": list(tags.values()),
        "articles": articles,
        "comments": data["comments"],
    }
