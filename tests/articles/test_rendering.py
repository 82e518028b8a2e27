import re

import pytest

from articles.rendering import paragraph_text, reading_minutes, render_markdown, render_preview

XSS_MARKDOWN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"></svg>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="#" onclick="alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<form action="https://evil.example"><input name=q></form>',
    "<object data=x></object><embed src=x>",
    '<details open ontoggle="alert(1)">x</details>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
]


@pytest.mark.parametrize("source", XSS_MARKDOWN)
def test_markdown_with_scripts_handlers_or_dangerous_urls_renders_inert(source):
    html = render_markdown(source).html.lower()

    assert "<script" not in html
    assert "javascript:" not in html
    assert "data:" not in html
    for attribute in ("onerror", "onload", "onclick", "ontoggle", "style="):
        assert attribute not in html
    for tag in ("<iframe", "<svg", "<form", "<input", "<object", "<embed", "<math", "<style"):
        assert tag not in html


def test_headings_get_stable_ids_listed_in_the_table_of_contents():
    rendered = render_markdown("Intro.\n\n## The Cast – De Niro\n\nText.\n\n### Aside\n\nMore.")

    assert '<h2 id="the-cast-de-niro">The Cast – De Niro</h2>' in rendered.html
    assert [(t["id"], t["level"]) for t in rendered.toc] == [
        ("the-cast-de-niro", 2),
        ("aside", 3),
    ]


def test_headings_never_take_an_id_the_page_itself_uses():
    html = render_markdown("## Respond\n\n## Comments").html

    assert 'id="section-respond"' in html
    assert 'id="section-comments"' in html
    assert 'id="respond"' not in html


def test_paragraph_anchor_survives_edits_elsewhere_in_the_article():
    before = render_markdown("Opening line.\n\nThe passage readers quote.")
    after = render_markdown("A new first paragraph.\n\nOpening line.\n\nThe passage readers quote.")

    anchor = re.findall(r'<p id="(p-[0-9a-f]+)">', before.html)[1]
    assert f'<p id="{anchor}">The passage readers quote.</p>' in after.html
    assert paragraph_text(after.html, anchor) == "The passage readers quote."


def test_paragraph_text_of_an_unknown_anchor_is_empty():
    assert paragraph_text(render_markdown("Hello.").html, "p-nothing") == ""


def test_reading_time_rounds_up_at_230_words_a_minute():
    assert reading_minutes(0) == 1
    assert reading_minutes(230) == 1
    assert reading_minutes(231) == 2
    assert render_markdown("word " * 460).reading_minutes == 2


def test_editor_preview_is_the_public_rendering():
    source = "## Heading\n\nText with <script>alert(1)</script> and **bold**."

    assert render_preview(source) == render_markdown(source).html
