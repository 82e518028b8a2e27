"""A commenter's plain text to HTML: paragraphs, line breaks and links, nothing else.

Commenters write plain text. Everything they type is escaped; blank lines make
paragraphs, single newlines line breaks, and web addresses become links marked
``rel="nofollow ugc"`` so the blog lends them no search-engine credit. The result
goes through nh3 once more, so even a bug here could not let markup through.
"""

import re

import nh3
from django.utils.html import escape

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}’”'\""
LINK_REL = "nofollow ugc noopener"


def render_comment_text(text: str) -> str:
    """Escape ``text`` and return it as paragraphs with line breaks and safe links."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", _normalise(text)) if p.strip()]
    html = "\n".join(
        "<p>" + "<br>".join(_linkify(line) for line in p.strip("\n").split("\n")) + "</p>"
        for p in paragraphs
    )
    return nh3.clean(
        html,
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
    )


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
        stripped = url.rstrip(TRAILING_PUNCTUATION)
        # Keep a closing bracket that belongs to the address, e.g. a Wikipedia link.
        while stripped.count("(") > stripped.count(")") and len(stripped) < len(url):
            stripped = url[: len(stripped) + 1]
        end = match.start() + len(stripped)
        href = stripped if stripped.lower().startswith("http") else f"http://{stripped}"
        out.append(escape(line[position : match.start()]))
        out.append(f'<a href="{escape(href)}">{escape(stripped)}</a>')
        position = end
    out.append(escape(line[position:]))
    return "".join(out)


def safe_website(url: str) -> str:
    """A commenter's website if it is a plain web address (imports may bring anything)."""
    return url if url.lower().startswith(("http://", "https://")) else ""
