"""The public site as readers see it: screenshots, keyboard, accessibility, no third parties."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import screenshot
from tests.factories import make_comment

pytestmark = pytest.mark.e2e

PAGES = {
    "home": "/",
    "heat": "{heat}",
    "search": "/search/?q=pacino",
    "tag": "/tags/michael-mann/",
}
VIEWPORTS = {"desktop": (1280, 900), "mobile": (375, 812)}


@pytest.fixture
def discussed_heat(heat):
    first = make_comment(article=heat, name="Vincent", text="The diner scene, every time.")
    make_comment(article=heat, parent=first, name="Neil", text="Thirty seconds flat.")
    return heat


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_cleanly_in_each_scheme_and_size(
    visit, discussed_heat, name, viewport, scheme
):
    width, height = VIEWPORTS[viewport]
    page = visit(width=width, height=height, color_scheme=scheme)

    response = page.goto(PAGES[name].format(heat=discussed_heat.get_absolute_url()))

    assert response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_attached()
    assert screenshot(page, f"{name}-{viewport}-{scheme}").stat().st_size > 5_000


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_article_page_has_no_serious_accessibility_violations(visit, discussed_heat, scheme):
    page = visit(color_scheme=scheme)
    assert page.goto(discussed_heat.get_absolute_url()).status == 200
    expect(page.get_by_text("The diner scene, every time.")).to_be_visible()

    results = Axe().run(page)
    assert results.response["passes"]  # axe looked at the page and found things done right

    # Every impact, minor to critical: two landmarks of one name (moderate) once got by.
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == []


@pytest.mark.parametrize(
    ("path", "shows"),
    [("/", "heat"), ("/search/?q=pacino", "heat"), ("/tags/michael-mann/", "heat"),
     ("/archive/", "Archive"), ("/privacy/", "Privacy"), ("/follow/", "by email")],
)  # fmt: skip
def test_other_pages_have_no_accessibility_violations(visit, heat, path, shows):
    page = visit()
    assert page.goto(path).status == 200
    if shows == "heat":
        expect(page.get_by_role("link", name=heat.title).first).to_be_visible()
    else:
        expect(page.get_by_role("heading", level=1)).to_contain_text(shows)

    results = Axe().run(page).response

    assert results["passes"]  # axe looked at the page and found things done right
    assert [(v["id"], v["impact"]) for v in results["violations"]] == []


def test_a_keyboard_user_reaches_the_comment_form_and_posts(visit, heat, settings):
    settings.COMMENTS_MIN_SECONDS = 0
    page = visit()
    page.goto(heat.get_absolute_url())

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_text":
            break
    else:
        pytest.fail("Tab never reached the comment box")

    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard Reader")
    page.keyboard.press("Tab")
    page.keyboard.type("keys@example.com")
    focused_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    for _ in range(8):  # website, the check boxes, then the button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    expect(page.get_by_role("button", name="Post Comment")).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url("**#comment-*")
    assert Comment.objects.get().name == "Keyboard Reader"
    assert focused_outline != "none", "focused fields must show where the keyboard is"


def test_a_second_skip_link_takes_the_keyboard_past_the_essay_to_the_comments(visit, heat):
    page = visit()
    page.goto(heat.get_absolute_url())

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to comments")).to_be_focused()
    page.keyboard.press("Enter")

    assert page.url.endswith("#comments")
    presses = 0
    while page.evaluate("document.activeElement.id") != "id_text" and presses < 15:
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate("document.activeElement.id") == "id_text"
    assert presses <= 5  # not the 77 of the whole page


def test_the_skip_link_moves_focus_to_the_main_content(visit, heat):
    page = visit()
    page.goto(heat.get_absolute_url())

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_the_table_of_contents_takes_the_reader_to_a_section(visit, heat):
    page = visit(width=1600)
    page.goto(heat.get_absolute_url())

    page.get_by_role("navigation", name="Contents").get_by_role(
        "link", name="Why Heat Still Matters Today"
    ).click()

    assert page.url.endswith("#why-heat-still-matters-today")
    expect(page.get_by_role("heading", name="Why Heat Still Matters Today")).to_be_in_viewport()


def test_search_from_the_header_finds_the_article(visit, heat):
    page = visit()
    page.goto("/")

    page.get_by_role("searchbox", name="Search articles").fill("Pacino De Niro")
    page.get_by_role("searchbox", name="Search articles").press("Enter")

    expect(page.get_by_role("link", name=heat.title)).to_be_visible()
    expect(page.locator("mark").first).to_be_visible()
    # One box on the results page, holding the query (not the header's as well).
    expect(page.get_by_role("searchbox")).to_have_count(1)
    expect(page.get_by_role("searchbox")).to_have_value("Pacino De Niro")


@pytest.mark.parametrize("width", [375, 1280])
def test_a_very_long_search_wraps_and_its_button_sits_beside_the_box(visit, heat, width):
    page = visit(width=width)
    response = page.goto("/search/?q=" + "a" * 300)

    assert response.status == 200
    expect(page.get_by_role("status")).to_contain_text("Nothing found for")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("#search-q").bounding_box()
    button = page.locator(".search-form button").bounding_box()
    assert abs(box["y"] - button["y"]) < 2
    assert abs(box["height"] - button["height"]) < 2
    assert button["x"] > box["x"] + box["width"]
    screenshot(page, f"search-long-query-{width}")


WIDE_TABLE = (
    "| Al Pacino | Robert De Niro | Val Kilmer | Jon Voight | Tom Sizemore | Diane Venora |\n"
    "|---|---|---|---|---|---|\n"
    "| Hanna | McCauley | Shiherlis | Nate | Cheritto | Justine |\n"
)


@pytest.mark.parametrize("text_size", ["100%", "200%"])
def test_an_editors_table_headings_and_long_words_fit_a_phone(visit, db, text_size):
    from tests.factories import make_article

    article = make_article(
        title="Cast and crew",
        body=f"The cast.\n\n{WIDE_TABLE}\n#### A small heading\n\nWords.\n\n##### Smaller\n\n"
        "###### Smallest\n\nSupercalifragilisticexpialidociousandthensomemoreletters.\n\n"
        "```\nshots = " + "1" * 120 + "\n```",
    )
    page = visit(width=360, height=740)
    assert page.goto(article.get_absolute_url()).status == 200
    page.evaluate(f"document.documentElement.style.fontSize = '{text_size}'")  # text zoom

    # The page stays the width of the screen; the table scrolls in a box of its own.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.get_by_role("region", name="Table")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    box.focus()  # a keyboard can reach it, to scroll it with the arrow keys
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
    expect(page.get_by_role("cell", name="Justine")).to_be_attached()
    code = page.locator(".prose pre")  # so does a code block's long line
    code.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.prose pre').scrollLeft > 0")
    # Small headings are never smaller than the text around them.
    text = page.locator(".prose p").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    for level in ("h4", "h5", "h6"):
        size = page.locator(f".prose {level}").evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= text, level
    screenshot(page, f"phone-table-headings-{text_size}")


def test_a_right_to_left_comment_reads_from_the_right(visit, heat):
    make_comment(
        article=heat, name="דני כהן 2", text="שלום! מה שלומך? זה תגובה בעברית (עם סוגריים) 123."
    )
    page = visit(width=390, height=844)
    assert page.goto(heat.get_absolute_url()).status == 200

    paragraph = page.locator(".comment-list li p").filter(has_text="שלום")
    # Its first letter sits at the paragraph's right edge, as Hebrew is read.
    first, edge = paragraph.evaluate(
        """p => { const r = document.createRange(); const t = p.firstChild;
                  r.setStart(t, 0); r.setEnd(t, 1);
                  return [r.getBoundingClientRect().right, p.getBoundingClientRect().right]; }"""
    )
    assert abs(edge - first) < 4
    name = page.locator(".comment-list header b").filter(has_text="דני")
    assert name.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    screenshot(page, "comment-right-to-left")


def test_passage_links_on_a_touch_screen_have_full_contrast(browser, live_server, heat):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844},
        has_touch=True, is_mobile=True,
    )  # fmt: skip
    try:
        page = context.new_page()
        assert page.goto(heat.get_absolute_url()).status == 200
        assert page.evaluate("matchMedia('(hover: none)').matches")  # as a phone has it
        link = page.get_by_role("link", name="Comment on this passage").first

        assert link.evaluate("e => getComputedStyle(e).opacity") == "1"
        results = Axe().run(page, options={"runOnly": ["color-contrast"]})
        assert not results.response["violations"], results.response["violations"]
    finally:
        context.close()
