"""Markdown to safe HTML: the one renderer for the public page and the editor's preview.

Python-Markdown turns the body into HTML, headings get stable ids (the
table-of-contents extension), every top-level paragraph gets a stable id from
a hash of its text, and nh3 then keeps only an allow-list of tags, attributes
and URL schemes: no script, no event handler, no javascript: or data: URL can
survive, whatever an editor (or a stolen editor account) types.

Rendering is pure: it reads no file and writes none. Responsive image renditions
are made by whoever saves (Article.save) and handed in; the editor's live preview,
rendered on every keystroke, shows plain images.
"""

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape, unescape
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as etree

import markdown
import nh3
import smartypants
from django.conf import settings
from django.utils.html import strip_tags
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

WORDS_PER_MINUTE = 230
BODY_IMAGE_SIZES = "(min-width: 46rem) 42rem, 100vw"

# Ids the page itself uses; a heading must never clobber them.
RESERVED_IDS = frozenset(
    {"main", "content", "top", "toc", "comments", "respond", "comment-form", "search"}
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    **{tag: {"id"} for tag in ("h2", "h3", "h4", "h5", "h6", "p", "li", "sup")},
}
ALLOWED_CLASSES = {
    "a": {"footnote-ref", "footnote-backref"},
    "div": {"footnote"},
    "code": {f"language-{lang}" for lang in ("python", "bash", "html", "css", "js")},
}


# Sanitised HTML, so every tag is well formed and every attribute quoted and escaped.
_IMG = re.compile(r"<img [^>]*>")
_ATTRIBUTE = re.compile(r'([a-z]+)="([^"]*)"')
_FOOTNOTE_REF = re.compile(r'<sup id="fnref[^"]*">.*?</sup>', flags=re.DOTALL)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    word_count: int = 0
    excerpt: str = ""
    plain_text: str = ""  # what a reader reads, for search and its snippets
    images: tuple[str, ...] = ()  # storage names of our images the body shows
    left_out: tuple[str, ...] = ()  # HTML tags typed in the body that the page leaves out

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)


# Control characters but tab, newline and carriage return: invisible on a page, and XML
# (feeds, sitemaps) can't carry them at all.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What one line of a reader's words never needs: control characters, line separators and
# the bidirectional controls that make the words around them read backwards.
LINE_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")  # linear: one pass, no backtracking
TABLE_BOX = '<div class="table-scroll" role="region" aria-label="Table" tabindex="0"><table>'
# Attributes holding addresses in sanitised article HTML.
_URL_ATTRIBUTE = re.compile(r'\b(href|src|srcset)="([^"]*)"')


def without_control_characters(text: str) -> str:
    return _CONTROLS.sub("", text)


def absolute_urls(html: str, page_url: str) -> str:
    """The article's HTML with every site path made a full address, for a mail client or
    a feed reader.

    Only the site's own paths change (``/media/…`` and ``#section`` links); full
    addresses are left exactly as written: no link goes through us.
    """

    def one(url: str) -> str:
        url = url.strip()
        if url.startswith("#"):
            return page_url + url
        if url.startswith("/") and not url.startswith("//"):
            return settings.SITE_URL.rstrip("/") + url
        return url

    def attribute(match) -> str:
        name, value = match.groups()
        if name == "srcset":
            candidates = (c.strip().split(" ", 1) for c in value.split(",") if c.strip())
            value = ", ".join(" ".join([one(c[0]), *c[1:]]) for c in candidates)
        else:
            value = one(value)
        return f'{name}="{value}"'

    return _URL_ATTRIBUTE.sub(attribute, html)


def typographic(text: str) -> str:
    """Plain text (a title, a summary) with typed quotes, dashes and ellipses made
    typographic, ’ “ ” – — …, as Python-Markdown's smarty makes them in bodies."""
    # An apostrophe for the missing century ('90s), which smartypants takes for an
    # opening quote; smarty gets it right.
    text = _DECADE.sub("’", text)
    curled = smartypants.smartypants(escape(text, quote=False), _TYPOGRAPHIC)
    return unescape(curled)


_DECADE = re.compile(r"'(?=\d\ds\b)")
# Quotes, -- as an en dash and --- as an em dash (as smarty), ellipses; as characters.
_TYPOGRAPHIC = smartypants.Attr.q | smartypants.Attr.D | smartypants.Attr.e | smartypants.Attr.u


def reading_minutes(word_count: int) -> int:
    """Minutes a reader needs at an average 230 words per minute, at least one."""
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def render_markdown(text: str, renditions: Mapping[str, dict] | None = None) -> Rendered:
    """Render an article body to sanitised HTML with its table of contents.

    `renditions` maps an image's storage name to its images.renditions() output;
    those images become responsive <picture>s, any other image a lazy <img>.
    """
    md = markdown.Markdown(
        # smarty: typed ' " -- --- ... become ’ “ ” – — … (code is left as typed).
        extensions=["extra", "sane_lists", "smarty", "toc", _ParagraphAnchors()],
        # "#" too: the page shows it as a section heading (its h1 is the title's).
        extension_configs={"toc": {"slugify": _heading_slug, "toc_depth": "1-3"}},
        output_format="html",
    )
    converted = md.convert(text or "")
    sanitized = sanitize(converted)
    boxed = scrolling_code(scrolling_tables(sanitized))
    clean = responsive_images(boxed, renditions or {}, sizes=BODY_IMAGE_SIZES)
    sections = md.paragraph_sections
    toc = [
        {
            "id": token["id"],
            "title": unescape(token["name"]),  # toc gives it as HTML; shown escaped
            "level": max(token["level"], 2),  # as shown: "#" becomes an h2
            "paragraphs": sections.get(token["id"], []),
        }
        for token in _flatten(md.toc_tokens)
    ]
    # A footnote mark is not a word: left in, "superb¹" would be indexed as "superb1".
    plain = _plain_text(_FOOTNOTE_REF.sub("", clean))
    return Rendered(
        html=clean,
        toc=toc,
        word_count=len(re.findall(r"\w+(?:[’'-]\w+)*", plain)),
        excerpt=_first_paragraph(clean),
        plain_text=plain,
        images=_media_images(sanitized),
        left_out=tuple(sorted({t.lower() for t in _TAG_NAME.findall(converted)} - ALLOWED_TAGS)),
    )


def render_preview(text: str) -> str:
    """Markdownx's live preview: what the public page will show, images without renditions.

    It runs on every keystroke, so it reads and writes no file.
    """
    return render_markdown(text).html


def scrolling_tables(html: str) -> str:
    """Each table in a box of its own that scrolls sideways when the table is wider than
    the text (a phone), which a keyboard can reach and a screen reader names.

    Runs on sanitised HTML, where a table tag has no attributes left to match.
    """
    return html.replace("<table>", TABLE_BOX).replace("</table>", "</table></div>")


def scrolling_code(html: str) -> str:
    """Each code block (which scrolls its long lines sideways) reachable by keyboard, to
    scroll it with the arrow keys. On sanitised HTML, as ``scrolling_tables``."""
    return html.replace("<pre>", '<pre tabindex="0">')


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def responsive_images(html: str, renditions: Mapping[str, dict], *, sizes: str) -> str:
    """Turn each image with known renditions into a <picture> of WebP and JPEG/PNG.

    Runs on sanitised HTML, so every attribute is already escaped and quoted.
    Other images (from elsewhere, missing, or not yet sized) keep their tag, loaded lazily.
    """

    def picture(match: re.Match) -> str:
        tag = match.group(0)
        attrs = dict(_ATTRIBUTE.findall(tag))
        sources = renditions.get(_media_name(attrs.get("src", "")), {})
        lazy = tag.replace("<img ", '<img loading="lazy" decoding="async" ', 1)
        return picture_html(sources, alt=attrs.get("alt", ""), sizes=sizes) or lazy

    return _IMG.sub(picture, html)


def picture_html(sources: dict, *, alt: str, sizes: str, eager: bool = False) -> str:
    """<picture> markup for renditions() output; alt must already be escaped."""
    if not sources:
        return ""
    loading = 'fetchpriority="high"' if eager else 'loading="lazy" decoding="async"'
    size = f'width="{sources["width"]}" height="{sources["height"]}"'
    if not sources.get("webp"):
        return f'<img src="{sources["src"]}" alt="{alt}" {size} {loading}>'
    webp = ", ".join(f"{url} {width}w" for url, width in sources["webp"])
    fallback = ", ".join(f"{url} {width}w" for url, width in sources["fallback"])
    return (
        f'<picture><source type="image/webp" srcset="{webp}" sizes="{sizes}">'
        f'<img src="{sources["src"]}" srcset="{fallback}" sizes="{sizes}" alt="{alt}" '
        f"{size} {loading}></picture>"
    )


def paragraph_text(html: str, paragraph_id: str) -> str:
    """The plain text of the paragraph with this id, or '' when there is none."""
    match = re.search(rf'<p id="{re.escape(paragraph_id)}">(.*?)</p>', html, flags=re.DOTALL)
    return _plain_text(match.group(1)) if match else ""


def _heading_slug(value: str, separator: str) -> str:
    slug = slugify_unicode(value, separator) or "section"
    return f"section-{slug}" if slug in RESERVED_IDS or slug.startswith("p-") else slug


def _flatten(tokens: list[dict]) -> list[dict]:
    flat = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten(token.get("children", [])))
    return flat


def _media_images(html: str) -> tuple[str, ...]:
    """The storage names of the images of ours in this HTML, each once, in order."""
    sources = (dict(_ATTRIBUTE.findall(tag)).get("src", "") for tag in _IMG.findall(html))
    return tuple(dict.fromkeys(name for name in map(_media_name, sources) if name))


def undescribed_images(html: str) -> int:
    """How many images in this sanitised HTML have no description (empty alt text)."""
    return sum(
        not dict(_ATTRIBUTE.findall(tag)).get("alt", "").strip() for tag in _IMG.findall(html)
    )


def images_elsewhere(html: str) -> list[str]:
    """The hosts of the images in this sanitised HTML that readers' browsers won't load.

    To keep readers' visits private, pages load images only from this site and the
    media's own origin (img-src in settings.SECURE_CSP): an image linked from another
    site shows as broken, so the editor is told to upload it instead.
    """
    allowed = {urlsplit(origin).netloc for origin in settings.SECURE_CSP.get("img-src", [])}
    allowed |= {urlsplit(settings.SITE_URL).netloc} - {""}
    hosts = []
    for tag in _IMG.findall(html):
        source = urlsplit(unescape(dict(_ATTRIBUTE.findall(tag)).get("src", "")))
        if source.netloc and source.netloc not in allowed:
            hosts.append(source.hostname or source.netloc)
    return list(dict.fromkeys(hosts))


def _media_name(src: str) -> str:
    """The storage name of an image of ours (src still HTML-escaped), '' for any other."""
    if not src.startswith(settings.MEDIA_URL):
        return ""
    return unquote(unescape(src).removeprefix(settings.MEDIA_URL))


def _plain_text(html: str) -> str:
    """The text a browser shows for this HTML, whitespace collapsed."""
    # strip_tags keeps entities as they are (so text never turns into tags); decode last.
    return " ".join(unescape(strip_tags(html)).split())


def _first_paragraph(html: str) -> str:
    match = re.search(r"<p[^>]*>(.*?)</p>", html, flags=re.DOTALL)
    return _plain_text(match.group(1)) if match else ""


class _ParagraphAnchorProcessor(Treeprocessor):
    """Give each top-level paragraph an id from its text.

    A hash of the text (not a running number) keeps a paragraph's anchor the same
    when an editor adds or removes other paragraphs, so links and quotes to it
    survive edits. The text is hashed as typed: this runs before smarty curls its
    quotes and dashes.
    """

    def run(self, root: etree.Element) -> None:
        used: set[str] = set()
        for element in root:
            if element.tag != "p" or "id" in element.attrib:
                continue
            text = " ".join("".join(element.itertext()).split())
            if not text or markdown.util.HTML_PLACEHOLDER_RE.fullmatch(text):
                continue  # empty, or a stand-in for a block (a code block, raw HTML)
            digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
            anchor = f"p-{digest[:8]}"
            suffix = 2
            while anchor in used:
                anchor = f"p-{digest[:8]}-{suffix}"
                suffix += 1
            used.add(anchor)
            element.set("id", anchor)
        self.md.paragraph_anchors = used


class _SectionProcessor(Treeprocessor):
    """Note each anchored paragraph's section (the heading above it), once headings
    have their ids; the article's title is its page's only h1."""

    def run(self, root: etree.Element) -> None:
        sections: dict[str, list[str]] = {}
        section = ""
        for element in root:
            if element.tag == "h1":
                element.tag = "h2"
            if re.fullmatch(r"h[1-6]", str(element.tag)) and "id" in element.attrib:
                section = element.attrib["id"]
            elif element.tag == "p" and element.get("id") in self.md.paragraph_anchors:
                sections.setdefault(section, []).append(element.attrib["id"])
        self.md.paragraph_sections = sections


class _ParagraphAnchors(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.paragraph_sections = {}
        md.paragraph_anchors = set()
        # Priority 7: after inline markup (20) and attr_list (8), before smarty (6).
        md.treeprocessors.register(_ParagraphAnchorProcessor(md), "paragraph_anchors", 7)
        # Priority 4: after the toc extension (5) has given headings their ids.
        md.treeprocessors.register(_SectionProcessor(md), "paragraph_sections", 4)
