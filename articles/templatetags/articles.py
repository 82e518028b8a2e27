import json
import re

from django import template
from django.conf import settings
from django.template.defaultfilters import date, pluralize
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime

from articles.models import HIGHLIGHT_START, HIGHLIGHT_STOP, public_name
from articles.rendering import picture_html

register = template.Library()

COVER_SIZES = "(min-width: 62rem) 60rem, 100vw"
# json.dumps output is safe inside <script> once these can't close or open tags.
# Three replace() calls: str.translate with a table looks up every character in Python.
_JSON_SCRIPT_ESCAPES = ((">", "\\u003E"), ("<", "\\u003C"), ("&", "\\u0026"))


@register.filter
def absolute(path: str) -> str:
    """The full public address of a site path, for feeds, meta tags and JSON-LD."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


register.filter(public_name)


_INNER_QUOTES = re.compile(r'"([^"]*)"')


@register.filter
def quoted(text: str) -> str:
    """A reader's words in quotation marks, once: a query that is one quoted phrase gets
    one pair; phrases quoted inside a longer query get single marks inside the double."""
    if len(text) > 1 and text[0] in '"“' and text[-1] in '"”' and '"' not in text[1:-1]:
        text = text[1:-1]
    return f"“{_INNER_QUOTES.sub(r'‘\1’', text)}”"


@register.filter
def highlight(snippet: str) -> str:
    """A search snippet, escaped, with the matched words in <mark>, after "…" when it
    starts inside a sentence (a passage cut from a longer text). Not at its end:
    PostgreSQL's headline drops a text's last full stop, so a cut can't be told there."""
    snippet = snippet.strip()
    if snippet.replace(HIGHLIGHT_START, "")[:1].islower():
        snippet = "… " + snippet
    marked = escape(snippet).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(marked)  # noqa: S308 - escaped above, only our own tags added


@register.simple_tag
def cover_picture(article, *, eager=True):
    """The cover image as a responsive <picture>, or nothing."""
    if not article.cover_image:
        return ""
    alt = escape(article.cover_alt)
    sources = article.cover_sources or {
        "src": article.cover_image.url,
        "width": article.cover_width,
        "height": article.cover_height,
    }
    return mark_safe(picture_html(sources, alt=alt, sizes=COVER_SIZES, eager=eager))  # noqa: S308


TEASER_COVER_SIZES = "(min-width: 54rem) 52rem, 100vw"
_TEASER = """<article class="teaser">
  {cover}
  <h2><a href="{url}">{title}</a></h2>
  <p class="byline">
    <time datetime="{iso_date}">{date}</time>
    · {minutes} min read{comments}
  </p>
  <p>{text}</p>
</article>
"""


@register.simple_tag
def teaser(article, *, snippet="", cover=False, first_cover=None):
    """One article in a list (home, tag, archive and search pages): its title, date,
    reading time, comment count, and a search snippet or its summary; with ``cover``,
    its cover, loaded at once if it is the ``first_cover`` shown. Written here,
    not in a template included once per article: ten of those were a quarter of a
    search page's time (2.3 ms)."""
    url = article.get_absolute_url()
    published = localtime(article.published_at)
    count = article.comment_count
    return format_html(
        _TEASER,
        cover=format_html(
            '<a class="teaser-cover" href="{}" tabindex="-1" aria-hidden="true">{}</a>',
            url,
            teaser_picture(article, eager=article.pk == first_cover),
        )
        if cover and article.cover_sources
        else "",
        url=url,
        title=article.title,
        iso_date=date(published, "c"),
        date=date(published, "j F Y"),
        minutes=article.reading_minutes,
        comments=format_html(
            ' · <a href="{}#comments">{} comment{}</a>', url, count, pluralize(count)
        )
        if count
        else "",
        text=highlight(snippet) if snippet else Truncator(article.summary).words(60),
    )


@register.simple_tag
def teaser_picture(article, *, eager=False):
    """A teaser's cover, from its renditions alone (no other field read): decorative
    beside the title's link, so without alt text."""
    return mark_safe(  # noqa: S308 - our renditions' addresses
        picture_html(article.cover_sources, alt="", sizes=TEASER_COVER_SIZES, eager=eager)
    )


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, comments=()):
    """schema.org BlogPosting for search engines, with the discussion's approved comments
    (none on an unpublished article's preview: its page shows no discussion)."""
    if not article.is_published():
        comments = ()
    url = absolute(article.get_absolute_url())
    author = public_name(article.author)
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": article.title,
        "description": article.summary,
        "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "wordCount": article.word_count,
        "keywords": [tag.name for tag in context.get("tags", [])],
        "commentCount": article.comment_count if article.is_published() else 0,
        "comment": [
            {"@type": "Comment", **comment, "url": absolute(comment["url"])} for comment in comments
        ],
    }
    if article.cover_image:
        data["image"] = absolute(article.cover_sources.get("src") or article.cover_image.url)
    payload = json.dumps(data, ensure_ascii=False)
    for character, escaped in _JSON_SCRIPT_ESCAPES:
        payload = payload.replace(character, escaped)
    # A data block, never run: the CSP doesn't apply to it, so it needs no nonce, and
    # the page stays the same bytes for every reader.
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload),  # noqa: S308 - JSON with <, > and & escaped
    )
