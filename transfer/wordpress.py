"""Reading a WordPress export (WXR) into articles, tags, authors and comment threads.

WXR is RSS with WordPress's own elements. defusedxml parses it, refusing entity
expansion and external references (billion-laughs, XXE). Each post is imported
in its own savepoint: a malformed one is skipped and reported, the rest go on.
Posts and comments remember where they came from (site + WordPress id), so a
second run updates what the first created instead of duplicating it.

A second run never undoes what people decided here. Each imported comment keeps a
fingerprint of the values the import wrote; one that no longer matches was changed
here (its author erased it, a moderator marked it spam, someone edited it) and is
left alone, and one deleted here left a RemovedImport behind (transfer/models.py)
and is not recreated. Articles have no fingerprint yet: a second run overwrites an
editor's changes to an imported article, as it always has.
"""

import hashlib
import ipaddress
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import defusedxml.ElementTree as ET
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from articles.models import Article, Tag
from articles.rendering import images_elsewhere
from comments.models import Comment, refresh_discussion
from transfer.models import RemovedImport
from transfer.wordpress_html import comment_text, html_to_markdown, plain_text

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
POST_STATUS = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.TRASH,
}
# What the import writes of a comment, and so what its fingerprint covers.
IMPORTED_FIELDS = ("name", "email", "website", "ip_address", "text", "status", "created_at")


class MalformedItem(ValueError):
    """An item that can't become an article; the message says why, for the report."""


@dataclass
class Report:
    articles_created: int = 0
    articles_updated: int = 0
    comments_created: int = 0
    comments_updated: int = 0
    comments_kept: int = 0  # changed or deleted here since the last import: left as they are
    skipped: list[str] = field(default_factory=list)
    # Items that are not posts (attachments, pages, menu items), by type: counted, not
    # listed one by one (a real export has hundreds of attachments).
    left_out: Counter = field(default_factory=Counter)
    # Articles with images still on the old site, which pages won't load (see
    # articles.rendering.images_elsewhere): each as "“title” (hosts)".
    images_elsewhere: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Articles: {self.articles_created} new, {self.articles_updated} updated.",
            f"Comments: {self.comments_created} new, {self.comments_updated} updated, "
            f"{self.comments_kept} kept as changed here.",
            f"Skipped: {len(self.skipped)}.",
        ]
        lines += [f"  - {reason}" for reason in self.skipped]
        if self.left_out:
            kinds = ", ".join(f"{n} × {kind}" for kind, n in sorted(self.left_out.items()))
            lines.append(f"Not posts, left out: {kinds}.")
        if count := len(self.images_elsewhere):
            lines.append(
                f"Images on other sites, which readers won't see (pages show images from "
                f"this site only; add them again with “Insert image…”): {count} "
                f"article{'' if count == 1 else 's'}."
            )
            lines += [f"  - {article}" for article in self.images_elsewhere]
        return "\n".join(lines)


def read_channel(path):
    """Parse the file safely (defusedxml raises on XML attacks); return its <channel>."""
    channel = ET.parse(path, forbid_dtd=True).getroot().find("channel")
    if channel is None:
        raise MalformedItem("this is not a WordPress export: there is no <channel>")
    return channel


def import_channel(channel, progress=lambda iterable: iterable) -> Report:
    """Import every post of the channel; return what happened."""
    report = Report()
    site = channel.findtext("wp:base_site_url", namespaces=NS) or channel.findtext("link") or ""
    authors = _import_authors(channel)
    for position, item in enumerate(progress(channel.findall("item")), start=1):
        title = (item.findtext("title") or "").strip() or f"item {position}"
        if (post_type := _text(item, "wp:post_type") or "post") != "post":
            report.left_out[post_type] += 1
            continue
        try:
            with transaction.atomic():
                _import_item(item, site.strip(), authors, report)
        except (MalformedItem, ValueError, IntegrityError) as error:
            report.skipped.append(f"“{title}”: {error}")
    return report


def _text(element, path: str) -> str:
    return (element.findtext(path, namespaces=NS) or "").strip()


def _import_authors(channel) -> dict[str, object]:
    users = {}
    user_model = get_user_model()
    for author in channel.findall("wp:author", NS):
        login = _text(author, "wp:author_login")
        if not login:
            continue
        user, created = user_model.objects.get_or_create(
            username=login[:150],
            defaults={
                "email": _text(author, "wp:author_email")[:254],
                "first_name": _text(author, "wp:author_first_name")[:150]
                or _text(author, "wp:author_display_name")[:150],
                "last_name": _text(author, "wp:author_last_name")[:150],
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[login] = user
    return users


def _author(login: str, authors: dict):
    if login in authors:
        return authors[login]
    if login:
        user, created = get_user_model().objects.get_or_create(username=login[:150])
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        authors[login] = user
        return user
    raise MalformedItem("it has no author (dc:creator)")


def _import_item(item, site: str, authors: dict, report: Report) -> None:
    wp_status = _text(item, "wp:status")
    if wp_status not in POST_STATUS:
        raise MalformedItem(f"its status “{wp_status or 'none'}” is not imported")
    post_id = _text(item, "wp:post_id")
    if not post_id.isdigit():
        raise MalformedItem("it has no WordPress post id")
    title = (item.findtext("title") or "").strip()
    body_html = item.findtext("content:encoded", namespaces=NS) or ""
    if not title or not body_html.strip():
        raise MalformedItem("it has no title or no content")
    status = POST_STATUS[wp_status]
    published_at = _date(item, "wp:post_date_gmt", "wp:post_date")
    if status == Article.Status.PUBLISHED and published_at is None:
        raise MalformedItem("it is published but has no valid date")

    source = f"{site}?p={post_id}"
    article = Article.objects.filter(imported_from=source).first()
    created = article is None
    if created:
        article = Article(imported_from=source)
    article.title = title[:200]
    article.slug = _unique_slug(
        _text(item, "wp:post_name") or slugify(title) or f"post-{post_id}", article
    )
    article.body = html_to_markdown(body_html)
    article.dek = plain_text(item.findtext("excerpt:encoded", namespaces=NS) or "")[:300]
    article.status = status
    article.published_at = published_at
    article.author = _author(_text(item, "dc:creator"), authors)
    article.allow_comments = _text(item, "wp:comment_status") != "closed"
    article.save()
    # A new article: when it was last changed there, not the day of the import ("Updated"
    # on the page). An article imported before and overwritten now did change now.
    modified = _date(item, "wp:post_modified_gmt", "wp:post_modified") or published_at
    if created and modified is not None:
        Article.objects.filter(pk=article.pk).update(
            updated_at=max(modified, published_at or modified)
        )
    article.tags.set(_tags(item))
    if hosts := images_elsewhere(article.body_html):
        report.images_elsewhere.append(f"“{article.title}” ({', '.join(hosts)})")
    if created:
        report.articles_created += 1
    else:
        report.articles_updated += 1
    _import_comments(item, article, site, report)


def _import_comments(item, article, site: str, report: Report) -> None:
    incoming = []
    for element in sorted(item.findall("wp:comment", NS), key=_comment_order):
        if _text(element, "wp:comment_type") in {"pingback", "trackback"}:
            continue
        wp_id = _text(element, "wp:comment_id")
        values = _comment_values(element)
        if not wp_id or values is None:
            report.skipped.append(f"a comment on “{article.title}” (id {wp_id or '?'}): incomplete")
            continue
        incoming.append((wp_id, _text(element, "wp:comment_parent"), values))
    sources = [f"{site}?comment={wp_id}" for wp_id, _, _ in incoming]
    existing = {c.imported_from: c for c in Comment.objects.filter(imported_from__in=sources)}
    removed = set(RemovedImport.objects.filter(source__in=sources).values_list("source", flat=True))
    by_wp_id: dict[str, Comment] = {}
    parents: dict[str, str] = {}
    for source, (wp_id, parent_wp_id, values) in zip(sources, incoming, strict=True):
        comment = existing.get(source)
        if source in removed or (comment is not None and _changed_here(comment, values)):
            report.comments_kept += 1
            if comment is not None:
                by_wp_id[wp_id] = comment  # still the parent of the replies it has
            continue
        is_new = comment is None
        if is_new:
            comment = Comment(imported_from=source)
        comment.article = article
        for name, value in values.items():
            setattr(comment, name, value)
        comment.import_fingerprint = _fingerprint(values)
        comment.moderation_reason = "imported from WordPress"
        if comment.status == Comment.Status.APPROVED:
            comment.approved_by_moderator = True  # a person approved it on the old site
        comment.parent = None
        try:
            with transaction.atomic():
                comment.save()
        except IntegrityError:
            report.skipped.append(f"a comment on “{article.title}” (id {wp_id}): a duplicate")
            continue
        if is_new:
            report.comments_created += 1
        else:
            report.comments_updated += 1
        by_wp_id[wp_id] = comment
        parents[wp_id] = parent_wp_id
    # Threads are linked once every comment exists: WordPress may list a reply first.
    for wp_id, parent_wp_id in parents.items():
        parent = by_wp_id.get(parent_wp_id)
        if parent is not None and parent is not by_wp_id[wp_id]:
            Comment.objects.filter(pk=by_wp_id[wp_id].pk).update(parent=parent)
    refresh_discussion({article.pk})


def _comment_values(element) -> dict | None:
    """What the import writes of a WordPress comment (IMPORTED_FIELDS); None if incomplete."""
    status = COMMENT_STATUS.get(_text(element, "wp:comment_approved"))
    text = comment_text(_text(element, "wp:comment_content"))
    created_at = _date(element, "wp:comment_date_gmt", "wp:comment_date")
    if status is None or not text or created_at is None:
        return None
    website = _text(element, "wp:comment_author_url")
    return {
        "name": _text(element, "wp:comment_author")[:245] or "Anonymous",
        "email": _text(element, "wp:comment_author_email")[:100],
        "website": website[:200] if website.startswith(("http://", "https://")) else "",
        "ip_address": _ip(_text(element, "wp:comment_author_IP")),
        "text": text,
        "status": status,
        "created_at": created_at,
    }


def _changed_here(comment: Comment, values: dict) -> bool:
    """Did someone here change what an import wrote: erase, moderate or edit it?"""
    now = _fingerprint({name: getattr(comment, name) for name in IMPORTED_FIELDS})
    # Holding just what the file says (as a comment imported before fingerprints
    # were kept may), writing it again changes nothing anyone did.
    return now not in (comment.import_fingerprint, _fingerprint(values))


def _fingerprint(values: dict) -> str:
    """A digest of a comment's IMPORTED_FIELDS, compared to tell whether it changed here."""
    written = {name: values[name] for name in IMPORTED_FIELDS}
    written["created_at"] = written["created_at"].astimezone(UTC).isoformat()
    data = json.dumps(written, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _tags(item) -> Iterator[Tag]:
    for category in item.findall("category"):
        if category.get("domain") not in {"category", "post_tag"}:
            continue
        name = (category.text or "").strip()[:60]
        slug = slugify(category.get("nicename") or name)[:60]
        if name and slug and name != "Uncategorized":
            tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
            yield tag


def _date(element, gmt_path: str, local_path: str) -> datetime | None:
    for path in (gmt_path, local_path):
        value = _text(element, path)
        if value and not value.startswith("0000"):
            try:
                return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


def _comment_order(element) -> int:
    wp_id = _text(element, "wp:comment_id")
    return int(wp_id) if wp_id.isdigit() else 0


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _unique_slug(slug: str, article: Article) -> str:
    base = slugify(slug)[:190] or "post"
    candidate, n = base, 2
    while Article.objects.filter(slug=candidate).exclude(pk=article.pk).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate
