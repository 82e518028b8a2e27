from comments.rendering import count_links, render_comment_text


def test_paragraphs_and_line_breaks_are_kept():
    html = render_comment_text("First line\nsecond line\n\nNew paragraph")

    assert html == "<p>First line<br>second line</p>\n<p>New paragraph</p>"


def test_windows_line_endings_behave_like_unix_ones():
    assert render_comment_text("a\r\nb\r\n\r\nc") == render_comment_text("a\nb\n\nc")


def test_web_addresses_become_nofollow_ugc_links():
    html = render_comment_text("Read https://example.com/heat?x=1&y=2.")

    assert (
        '<a href="https://example.com/heat?x=1&amp;y=2" rel="nofollow ugc noopener">'
        "https://example.com/heat?x=1&amp;y=2</a>." in html
    )


def test_www_addresses_are_linked_with_a_scheme():
    assert 'href="http://www.example.com"' in render_comment_text("see www.example.com")


def test_a_closing_bracket_that_belongs_to_the_address_stays_in_it():
    html = render_comment_text("(https://en.wikipedia.org/wiki/Heat_(1995_film))")

    assert 'href="https://en.wikipedia.org/wiki/Heat_(1995_film)"' in html


def test_a_link_in_brackets_leaves_the_closing_bracket_and_full_stop_out():
    html = render_comment_text("(see https://example.com/heat).")

    assert html.endswith('">https://example.com/heat</a>).</p>')


def test_a_link_with_an_unclosed_bracket_keeps_its_trailing_punctuation():
    # As before the linker was made linear: such an address has no end to find.
    html = render_comment_text("http://x.example/a_(b...")

    assert 'href="http://x.example/a_(b..."' in html


def test_html_is_shown_as_text_never_as_markup():
    html = render_comment_text('<b>bold</b> <script>alert("x")</script> <a href="x">y</a>')

    assert "<b>" not in html
    assert "<script" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html


def test_javascript_urls_are_never_linked():
    html = render_comment_text("javascript:alert(1) and JAVASCRIPT://x%0aalert(1)")

    assert "<a" not in html
    assert html == "<p>javascript:alert(1) and JAVASCRIPT://x%0aalert(1)</p>"  # kept as text
    assert '<a href="https://ok.example"' in render_comment_text("see https://ok.example")


def test_a_url_cannot_break_out_of_its_attribute():
    html = render_comment_text('https://x.example/"onmouseover=alert(1)//')

    assert "onmouseover" not in html.split(">")[0]
    assert 'href="https://x.example/"' in html


def test_links_are_counted_for_moderation():
    assert count_links("no links here") == 0
    assert count_links("http://a.example https://b.example www.c.example") == 3
