"""Markdown to safe HTML: sanitising, anchors, plain text, images, with no I/O."""

import hashlib
import re

import pytest

from articles.rendering import paragraph_text, reading_minutes, render_markdown, render_preview

# What images.renditions() says of a 2000×1000 JPEG stored as uploads/street.jpg.
STREET = {
    "width": 2000,
    "height": 1000,
    "src": "/media/renditions/uploads/street-960.jpg",
    "webp": [["/media/renditions/uploads/street-480.webp", 480]],
    "fallback": [["/media/renditions/uploads/street-480.jpg", 480]],
}

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


def test_a_single_hash_heading_is_a_section_in_the_contents_too():
    rendered = render_markdown("## A\n\nOne.\n\n# D\n\nTwo.")

    assert '<h2 id="d">D</h2>' in rendered.html
    assert [(t["id"], t["level"]) for t in rendered.toc] == [("a", 2), ("d", 2)]


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


def test_a_code_block_is_not_a_paragraph_to_quote():
    html = render_markdown("Intro.\n\n```\nx = 1\n```\n\n```python\ny = 2\n```\n").html

    assert '<p id="p-' in html  # the real paragraph has its anchor
    assert html.count('id="p-') == 1
    assert "<p></p>" not in html
    # Each code block takes the keyboard's focus, to scroll its long lines sideways.
    assert '<pre tabindex="0"><code>x = 1\n</code></pre>' in html
    assert '<pre tabindex="0"><code class="language-python">y = 2\n</code></pre>' in html


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


def test_paragraph_text_decodes_every_entity():
    html = (
        '<p id="p-1">Wait&hellip; it&#8217;s &lt;b&gt; &amp; &quot;x&quot; &#39;y&#39;&nbsp;z.</p>'
    )

    assert paragraph_text(html, "p-1") == "Wait… it’s <b> & \"x\" 'y' z."


def test_paragraph_text_reads_inline_markup_as_a_browser_shows_it():
    html = render_markdown("Heat is *great*, [truly](https://example.com).").html
    anchor = re.search(r'<p id="(p-[0-9a-f]+)">', html).group(1)

    assert paragraph_text(html, anchor) == "Heat is great, truly."


def test_the_plain_text_is_the_body_as_read_without_markdown_or_footnote_marks():
    rendered = render_markdown(
        "## Cast\n\nPacino is **superb**[^1], see [the interview](https://example.com/x).\n\n"
        "`a < b` &amp; more\n\n[^1]: In the diner scene."
    )

    assert rendered.plain_text.startswith("Cast Pacino is superb, see the interview. a < b & more")
    assert "In the diner scene." in rendered.plain_text
    assert "example.com" not in rendered.plain_text


def test_the_rendering_lists_the_images_of_ours_the_body_shows():
    rendered = render_markdown(
        "![a](/media/uploads/a.jpg) ![b](https://elsewhere.example/b.jpg)\n\n"
        "![a again](/media/uploads/a.jpg) ![c](/media/uploads/with%20space.png)"
    )

    assert rendered.images == ("uploads/a.jpg", "uploads/with space.png")


def test_known_renditions_make_a_picture_without_touching_storage(storage_untouchable):
    renditions = {"uploads/street.jpg": STREET}

    html = render_markdown("![A street](/media/uploads/street.jpg)", renditions).html

    assert '<picture><source type="image/webp" srcset="/media/renditions/' in html
    assert 'alt="A street" width="2000" height="1000" loading="lazy"' in html


def test_the_editors_preview_shows_a_plain_lazy_image_and_touches_no_file(
    stored_image, storage_untouchable
):
    html = render_preview(f"![A street](/media/{stored_image})")

    lazy = '<img loading="lazy" decoding="async" alt="A street"'
    assert f'{lazy} src="/media/{stored_image}">' in html
    assert "<picture>" not in html


def test_typed_quotes_dashes_and_ellipses_become_typographic_but_code_stays_as_typed():
    html = render_markdown('It\'s "Heat" -- Mann\'s film --- 1995...\n\n`it\'s "code"`').html

    assert "It’s “Heat” – Mann’s film — 1995…" in html
    assert '<code>it\'s "code"</code>' in html


def test_curling_the_quotes_keeps_each_paragraphs_anchor():
    # Comments quote a paragraph by its anchor, made from its words as typed: curling
    # the quotes of an article saved again must not orphan them.
    typed = 'It\'s "Heat" -- and more...'

    html = render_markdown(typed).html

    anchor = "p-" + hashlib.sha1(typed.encode(), usedforsecurity=False).hexdigest()[:8]
    assert f'<p id="{anchor}">It’s “Heat” – and more…</p>' in html


def test_the_contents_list_shows_headings_as_written_entities_and_curled_quotes_alike():
    toc = render_markdown('## Tom & Jerry <3\n\nA.\n\n## Mann\'s "Heat" -- 1995...\n\nB.').toc

    # Plain text: the page escapes it once (it used to show "Tom &amp; Jerry").
    assert [section["title"] for section in toc] == ["Tom & Jerry <3", "Mann’s “Heat” – 1995…"]


def test_paragraph_anchors_are_what_they_were_before_quotes_were_curled():
    # Pinned from before smarty: an entity, inline HTML, a line break, straight quotes.
    bodies = {
        "Tom &amp; Jerry are here": "p-b7e99dcc",
        "a <b>bold</b> move": "p-ac7281d1",
        "caf&eacute; au lait": "p-0acbaaae",
        "x<br>y": "p-9d6e5599",
    }
    for body, anchor in bodies.items():
        assert f'<p id="{anchor}">' in render_markdown(body).html, body


def test_a_table_scrolls_in_a_named_box_a_keyboard_can_reach():
    html = render_markdown("| Pacino | De Niro |\n|---|---|\n| Hanna | McCauley |").html

    assert html.startswith(
        '<div class="table-scroll" role="region" aria-label="Table" tabindex="0"><table>'
    )
    assert html.rstrip().endswith("</table></div>")
    assert "<td>McCauley</td>" in html
