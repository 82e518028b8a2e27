"""A commenter's plain text to HTML: paragraphs, line breaks, links, spoilers, a quote.

Commenters write plain text. Everything they type is escaped; blank lines make
paragraphs, single newlines line breaks, and web addresses become links marked
``rel="nofollow ugc"`` so the blog lends them no search-engine credit. Text
between ``||`` pairs (or the whole comment, when the commenter ticked "contains
spoilers") goes into a closed <details> "Spoiler", which works without JavaScript
and is announced by screen readers: inside the sentence when it shares a paragraph
with other words (that paragraph is then a <div class="para">: a <p> can't hold a
<details>), as a block of its own when it stands alone or holds paragraphs. A quoted
passage of the article comes first, as a blockquote linking back to its paragraph.
The result goes through nh3 once more, so even a bug here could not let markup through.
"""

import re

import nh3
from django.utils.html import escape

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}’”'\""
LINK_REL = "nofollow ugc noopener"


SPOILER_MARK = "||"
SPOILER = '<details class="spoiler"><summary>Spoiler</summary>{}</details>'
INLINE_SPOILER = (
    '<details class="spoiler spoiler-inline"><summary>Spoiler</summary><span>{}</span></details>'
)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_NO_ADDRESS = re.compile(r'<a rel="[^"<>]*">([^<]*)</a>')  # linear: no nested repetition


def render_comment_text(
    text: str, *, spoilers: bool = False, quote: str = "", quote_anchor: str = ""
) -> str:
    """Escape ``text``; return paragraphs, line breaks, safe links, spoilers and a quote."""
    html = "\n".join(_blocks(_spoiler_parts(text)))
    if spoilers:
        html = SPOILER.format(html)
    if quote and re.fullmatch(r"p-[0-9a-f]{8}(-\d+)?", quote_anchor):
        html = (
            f'<blockquote class="quote"><p>{escape(quote)}</p>'
            f'<a href="#{quote_anchor}">The passage in the article</a></blockquote>\n{html}'
        )
    clean = nh3.clean(
        html,
        tags={"p", "div", "span", "br", "a", "details", "summary", "blockquote"},
        attributes={
            "a": {"href"},
            "details": {"class"},
            "blockquote": {"class"},
            "div": {"class"},
        },
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
    )
    # An address the sanitiser could not parse (http://[x]…) lost its href: its words
    # stay, as text, not as a link to nowhere. (Python's own URL parser takes seconds
    # over some long runs of combining marks; the sanitiser's is linear.)
    return _NO_ADDRESS.sub(r"\1", clean)


HIDDEN_SPOILER = "[spoiler, shown on the site]"


def spoilers_hidden(text: str, *, spoilers: bool = False) -> str:
    """The comment's words with each ||spoiler|| (or all of them, for a comment marked
    as spoilers) replaced by a placeholder: for search engines and feed readers, which
    show a folded spoiler unfolded. Split as render_comment_text splits."""
    if spoilers:
        return HIDDEN_SPOILER
    parts = _spoiler_parts(text)
    return "".join(HIDDEN_SPOILER if n % 2 else part for n, part in enumerate(parts))


def _spoiler_parts(text: str) -> list[str]:
    """The text between ``||`` marks: every odd part is a spoiler."""
    parts = _normalise(text).split(SPOILER_MARK)
    if len(parts) % 2 == 0:  # an unclosed || is just two characters
        parts[-2:] = [parts[-2] + SPOILER_MARK + parts[-1]]
    return parts


# In a comment's stored, sanitised HTML (SPOILER's markup): one never holds another.
_SPOILER_OPENS, _SPOILER_CLOSES = SPOILER.split("{}")
_SPOILER_HTML = re.compile(f"{re.escape(_SPOILER_OPENS)}.*?{re.escape(_SPOILER_CLOSES)}", re.S)
_INLINE_OPENS, _INLINE_CLOSES = INLINE_SPOILER.split("{}")
_INLINE_HTML = re.compile(f"{re.escape(_INLINE_OPENS)}.*?{re.escape(_INLINE_CLOSES)}", re.S)


def spoilers_hidden_html(html: str, *, spoilers: bool = False) -> str:
    """A comment's stored HTML with its spoilers replaced by the placeholder, for feed
    readers; a quoted passage stays. One pass over HTML already made (rendering the
    comment again for each feed request cost seconds for long comments)."""
    hidden = f"<p>{HIDDEN_SPOILER}</p>"
    if spoilers:  # the whole comment is one spoiler, after the quote if there is one
        start = html.find(_SPOILER_OPENS)
        return html[:start] + hidden if start >= 0 else hidden
    return _INLINE_HTML.sub(HIDDEN_SPOILER, _SPOILER_HTML.sub(hidden, html))


def _blocks(parts: list[str]) -> list[str]:
    """Paragraphs and spoilers (every odd part) as HTML blocks, in one pass.

    A spoiler with words before or after it in the same paragraph is folded inside
    that paragraph; one standing alone, or holding a blank line, is a block.
    """
    chunks = {n: PARAGRAPH_BREAK.split(part) for n, part in enumerate(parts) if not n % 2}
    blocks: list = []  # HTML strings, and paragraphs as lists of (text, is_spoiler)
    paragraph = None  # the paragraph still open, if the text hasn't ended it
    for n, part in enumerate(parts):
        if not n % 2:
            for i, chunk in enumerate(chunks[n]):
                if i:  # a blank line ends the paragraph
                    paragraph = None
                if chunk.strip():
                    if paragraph is None:
                        blocks.append(paragraph := [])
                    paragraph.append((chunk, False))
            continue
        spoiler = part.strip()
        if not spoiler:
            continue
        words_after = n + 1 in chunks and chunks[n + 1][0].strip()
        if (paragraph is not None or words_after) and not PARAGRAPH_BREAK.search(spoiler):
            if paragraph is None:
                blocks.append(paragraph := [])
            paragraph.append((spoiler, True))
        else:
            blocks.append(SPOILER.format(_paragraphs(spoiler)))
            paragraph = None
    return [block if isinstance(block, str) else _paragraph(block) for block in blocks]


def _paragraph(segments: list[tuple[str, bool]]) -> str:
    """One paragraph of words and inline spoilers; its first and last line trimmed."""
    segments = list(segments)
    segments[0] = (segments[0][0].lstrip(), segments[0][1])
    segments[-1] = (segments[-1][0].rstrip(), segments[-1][1])
    html = "".join(
        INLINE_SPOILER.format(_lines(text)) if spoiler else _lines(text)
        for text, spoiler in segments
    )
    if any(spoiler for _, spoiler in segments):
        return f'<div class="para">{html}</div>'
    return f"<p>{html}</p>"


def _paragraphs(text: str) -> str:
    return "\n".join(
        _paragraph([(p, False)]) for p in PARAGRAPH_BREAK.split(text.strip("\n")) if p.strip()
    )


def _lines(text: str) -> str:
    return "<br>".join(_linkify(line) for line in text.split("\n"))


def count_links(text: str) -> int:
    """How many web addresses a comment contains."""
    return len(URL.findall(text))


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _linkify(line: str) -> str:
    out = []
    position = 0
    for match in URL.finditer(line):
        url = match.group(0)
        stripped = url[: _address_length(url)]
        end = match.start() + len(stripped)
        href = stripped if stripped.lower().startswith("http") else f"http://{stripped}"
        out.append(escape(line[position : match.start()]))
        out.append(f'<a href="{escape(href)}">{escape(stripped)}</a>')
        position = end
    out.append(escape(line[position:]))
    return "".join(out)


def _address_length(url: str) -> int:
    """Leave trailing punctuation out of a link, but keep a ")" that closes a "(" in it.

    One pass over the punctuation with a running balance: counting the brackets
    again for each character added took quadratic time: seconds for one long comment.
    """
    length = len(url.rstrip(TRAILING_PUNCTUATION))
    unclosed = url.count("(", 0, length) - url.count(")", 0, length)
    for position in range(length, len(url)):
        if unclosed <= 0:
            break
        if url[position] == ")":
            unclosed -= 1
        length = position + 1
    return length


def safe_website(url: str) -> str:
    """A commenter's website if it is a plain web address (imports may bring anything)."""
    return url if url.lower().startswith(("http://", "https://")) else ""
