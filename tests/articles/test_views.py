"""The reader's pages: home, article, tags, archive, and what every page sends."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import Article, Tag
from comments.models import Comment
from tests.factories import make_article, make_comment, make_staff

HEAT_TEXT = Path(__file__).resolve().parents[2] / "articles" / "content" / "heat-1995.md"
HEADINGS = [
    "The Story Behind Heat – From TV Pilot to Classic Film",
    "The Legendary Cast – De Niro, Pacino, and More",
    "Themes That Hit Hard – Loneliness, Honor, and Obsession",
    "The Heat Shootout – Hollywood’s Most Realistic Gun Battle",
    "Michael Mann’s Style – Grit, Atmosphere, and Precision",
    "Why Heat Still Matters Today",
    "Conclusion",
]
SOURCE = Path("/work/shared/content/heat-1995.txt")


def _page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


# ---- Home and article pages ---------------------------------------------------------------


def _paragraphs():
    lines = [line for line in HEAT_TEXT.read_text().splitlines() if line and line[0] != "#"]
    return lines[0], lines[-1]


def test_article_page_shows_the_title_every_heading_and_the_essay_verbatim(client, heat):
    response = client.get(heat.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Heat (1995): The Crime Epic That Changed Cinema Forever</h1>" in html
    for heading in HEADINGS:
        assert f">{heading}</h2>" in html
    first, last = _paragraphs()
    assert first.startswith("There are crime thrillers… and then there’s Heat.")
    assert last.startswith("Heat (1995) isn’t just a film, it’s a masterclass.")
    assert f'>{first} <a class="quote-link"' in html
    assert f'>{last} <a class="quote-link"' in html


@pytest.mark.skipif(not SOURCE.exists(), reason="the shared source text is outside this checkout")
def test_the_project_copy_of_the_essay_matches_the_shared_source_paragraph_for_paragraph():
    source = [line for line in SOURCE.read_text().splitlines() if line.strip()]
    assert source[-1] == "Leave a Comment"
    ours = [line.lstrip("# ") for line in HEAT_TEXT.read_text().splitlines() if line.strip()]
    assert ours == source[:-1]


def test_home_page_links_to_the_article_with_its_summary(client, heat):
    response = client.get("/")

    assert response.status_code == 200
    assert f'href="{heat.get_absolute_url()}"' in response.content.decode()
    assert "There are crime thrillers" in response.content.decode()


def test_each_list_shows_an_article_with_its_date_reading_time_comments_and_summary(client, db):
    published = datetime(2024, 3, 9, 12, tzinfo=UTC)
    article = make_article(
        title="<i>Thief</i> & the heist",
        slug="thief",
        dek=" ".join(f"w{n}" for n in range(70)),
        body="Word " * 460,
        published_at=published,
    )
    article.tags.add(Tag.objects.create(name="Heists", slug="heists"))
    make_comment(article=article)
    teaser = (
        '<h2><a href="/articles/thief/">&lt;i&gt;Thief&lt;/i&gt; &amp; the heist</a></h2>\n'
        '  <p class="byline">\n'
        '    <time datetime="2024-03-09T12:00:00+00:00">9 March 2024</time>\n'
        '    · 2 min read · <a href="/articles/thief/#comments">1 comment</a>\n'
        "  </p>\n"
        f"  <p>{' '.join(f'w{n}' for n in range(60))}…</p>"
    )

    for path in ("/", "/tags/heists/", "/archive/2024/", "/search/?q=heist"):
        response = client.get(path)
        assert response.status_code == 200
        assert (
            teaser.replace(
                f"<p>{' '.join(f'w{n}' for n in range(60))}…</p>",
                "<p>",
            )
            in response.content.decode()
        ), path

    home = client.get("/").content.decode()
    assert teaser in home
    make_comment(article=article)
    assert ">2 comments</a>" in client.get("/").content.decode()


def test_home_page_lists_newest_articles_first(client, db):
    make_article(title="Older essay", published_at=timezone.now() - timedelta(days=9))
    make_article(title="Newer essay", published_at=timezone.now() - timedelta(days=1))

    html = client.get("/").content.decode()

    assert html.index("Newer essay") < html.index("Older essay")


def test_home_page_is_paginated_by_ten(client, db):
    for n in range(12):
        make_article(title=f"Essay {n:02d}", published_at=timezone.now() - timedelta(hours=n + 1))

    first = _page(client, "/")
    second = _page(client, "/?page=2")

    assert "Essay 00" in first
    assert "Essay 10" not in first
    assert "Essay 10" in second
    assert "Essay 11" in second
    assert client.get("/?page=abc").status_code == 200
    # Each page is its own to a search engine: its own address and title.
    assert '<link rel="canonical" href="http://127.0.0.1:8000/">' in first
    assert "<title>heatblog — long-form writing about film</title>" in first
    assert '<link rel="canonical" href="http://127.0.0.1:8000/?page=2">' in second
    assert "<title>heatblog — long-form writing about film — page 2</title>" in second


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"published_at": timezone.now() + timedelta(days=3)},
    ],
    ids=["draft", "scheduled"],
)
def test_unpublished_articles_are_404_for_readers_and_absent_from_home(client, db, overrides):
    article = make_article(title="Not yet", **overrides)

    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Not yet" not in _page(client, "/")
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Not yet" in _page(client, "/")


def test_unknown_slug_is_404(client, db):
    assert client.get("/articles/no-such-article/").status_code == 404


def test_staff_can_preview_a_draft_marked_as_such(staff_client):
    article = make_article(title="Work in progress", status=Article.Status.DRAFT, published_at=None)

    response = staff_client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Draft — only staff can see this preview." in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    # Posting waits for publication: no form that would answer "article gone".
    assert "Comments open when the article is published." in response.content.decode()
    assert 'id="comment-form"' not in response.content.decode()


@pytest.mark.parametrize("codename", [None, "view_comment", "view_article", "change_article"])
def test_drafts_preview_only_for_staff_the_admin_shows_articles_to(client, db, codename):
    from django.contrib.auth.models import Permission

    staff = make_staff(is_superuser=False)
    if codename:
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(staff)
    draft = make_article(title="Embargoed", status=Article.Status.DRAFT, published_at=None)
    published = make_article(title="Out now")

    response = client.get(draft.get_absolute_url())

    assert "Out now" in _page(client, published.get_absolute_url())
    if codename in ("view_article", "change_article"):
        assert response.status_code == 200
        assert "Draft — only staff can see this preview." in response.content.decode()
    else:
        assert response.status_code == 404
        assert "Embargoed" not in response.content.decode()


def test_scheduled_article_appears_once_its_time_has_come(client, db):
    article = make_article(published_at=timezone.now() + timedelta(seconds=60))
    assert client.get(article.get_absolute_url()).status_code == 404

    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())

    assert client.get(article.get_absolute_url()).status_code == 200


def test_article_page_query_count_is_fixed(client, heat, django_assert_num_queries):
    # The article, its tags, its neighbours, its comment tree.
    with django_assert_num_queries(4):
        assert client.get(heat.get_absolute_url()).status_code == 200


def test_home_page_query_count_does_not_grow_with_articles(client, db, django_assert_num_queries):
    for _ in range(8):
        make_article()
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200


def test_missing_page_is_a_styled_404_with_a_way_back(client, db):
    response = client.get("/nothing/here/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/"' in html
    assert '<form class="search-form" role="search" method="get" action="/search/">' in html
    assert 'href="/archive/">browse the archive</a>' in html


# ---- Tags and archive ---------------------------------------------------------------------


def test_a_tag_page_lists_its_published_articles(client, crime):
    tagged = make_article(title="Thief")
    tagged.tags.add(crime)
    make_article(title="Untagged")
    draft = make_article(title="Draft thriller", status="draft", published_at=None)
    draft.tags.add(crime)

    html = _page(client, "/tags/crime/")

    assert "Tagged “Crime”" in html
    assert "Thief" in html
    assert "Untagged" not in html
    assert "Draft thriller" not in html
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now()
    draft.save()
    assert "Draft thriller" in _page(client, "/tags/crime/")


def test_an_unknown_tag_is_404(client, db):
    assert client.get("/tags/nope/").status_code == 404


def test_the_tag_index_counts_published_articles(client, crime):
    for _ in range(2):
        make_article().tags.add(crime)

    html = client.get("/tags/").content.decode()

    assert 'href="/tags/crime/">Crime</a> <span class="count">2</span>' in html


def test_the_article_shows_its_tags_as_links(client, heat):
    html = client.get(heat.get_absolute_url()).content.decode()

    assert '<a href="/tags/michael-mann/" rel="tag">Michael Mann</a>' in html


def test_the_archive_lists_years_and_each_year_its_articles(client, db):
    make_article(title="Collateral", published_at=timezone.make_aware(datetime(2004, 8, 6)))
    make_article(title="Heat", published_at=timezone.make_aware(datetime(1995, 12, 15)))

    archive = _page(client, "/archive/")
    year = _page(client, "/archive/1995/")

    assert archive.index("2004") < archive.index("1995")
    assert "Heat" in year
    assert "Collateral" not in year
    assert "Collateral" in _page(client, "/archive/2004/")
    assert client.get("/archive/1996/").status_code == 404


# ---- What every page sends ----------------------------------------------------------------


def test_the_article_has_a_canonical_url_and_open_graph_tags(client, heat):
    html = client.get(heat.get_absolute_url() + "?utm_source=x").content.decode()
    url = f"http://127.0.0.1:8000{heat.get_absolute_url()}"

    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:title" content="{heat.title}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta property="og:image:alt" content="{heat.cover_alt}">' in html


def test_meta_tags_escape_the_title_list_the_tags_and_cut_the_description(client, db):
    words = " ".join(f"w{n}" for n in range(50))
    article = make_article(title="Heat <b>&</b> Thief", dek=f"Mann & {words}")
    article.tags.set([Tag.objects.create(name="Crime & <i>noir</i>", slug="crime-noir")])

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    title = "Heat &lt;b&gt;&amp;&lt;/b&gt; Thief"
    assert f'<meta property="og:title" content="{title}">' in html
    assert f'<meta name="twitter:title" content="{title}">' in html
    assert f'title="Comments on “{title}”" href="/articles/{article.slug}/comments/feed/"' in html
    description = "Mann &amp; " + " ".join(f"w{n}" for n in range(38)) + " …"  # 40 words
    assert f'<meta property="og:description" content="{description}">' in html
    assert f'<meta name="twitter:description" content="{description}">' in html
    assert '<meta property="article:tag" content="Crime &amp; &lt;i&gt;noir&lt;/i&gt;">' in html
    published = timezone.localtime(article.published_at).isoformat()
    assert f'<meta property="article:published_time" content="{published}">' in html
    assert "<b>&</b>" not in html
    assert "<i>noir</i>" not in html


def test_an_article_without_a_cover_has_a_small_card(client, db):
    article = make_article(title="Thief (1981)")

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta name="twitter:card" content="summary">' in html
    assert "og:image" not in html


def test_pages_send_a_strict_csp_without_inline_script_and_privacy_headers(client, heat):
    response = client.get(heat.get_absolute_url())

    csp = response["Content-Security-Policy"]
    html = response.content.decode()
    assert response.status_code == 200
    assert "unsafe-inline" not in csp
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "'nonce-" not in csp  # the page is the same bytes for everyone: no per-page nonce
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts  # the site's script file and the JSON-LD data block
    assert all("src=" in attrs or "application/ld+json" in attrs for attrs in scripts)
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_page_refers_to_another_host(client, heat):
    make_comment(article=heat, website="https://commenter.example")
    html = _page(client, heat.get_absolute_url())

    sources = re.findall(r'(?:src|srcset)="([^"]+)"', html)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert sources
    assert stylesheets
    assert all(s.startswith("/") and not s.startswith("//") for s in sources + stylesheets)
    assert 'href="https://commenter.example' in html  # a link to it, never a resource


# ---- The sweep: nothing unpublished leaks anywhere ----------------------------------------


PUBLIC_URLS = [
    "/", "/archive/", "/archive/{year}/", "/tags/", "/tags/leak/", "/search/?q=leaked",
    "/feed/", "/feed/atom/", "/sitemap.xml", "{article}", "/articles/{slug}/comments/feed/",
]  # fmt: skip
SECRETS = ("draftleak", "scheduledleak", "commentleak")  # compared without case: slugs too
# Where each shows once public. The year and tag indexes show counts, checked apart.
SHOWN_ONCE_PUBLIC = {
    "/": ("draftleak", "scheduledleak"),
    "/archive/{year}/": ("draftleak", "scheduledleak"),
    "/tags/leak/": ("draftleak", "scheduledleak"),
    "/search/?q=leaked": ("draftleak", "scheduledleak"),
    "/feed/": ("draftleak", "scheduledleak"),
    "/feed/atom/": ("draftleak", "scheduledleak"),
    "/sitemap.xml": ("draftleak", "scheduledleak"),
    "{article}": ("commentleak",),
    "/articles/{slug}/comments/feed/": ("commentleak",),
}


def test_no_draft_scheduled_article_or_unapproved_comment_appears_on_any_public_url(client, db):
    tag = Tag.objects.create(name="Leak", slug="leak")
    when = datetime(2020, 6, 1, 12, tzinfo=UTC)
    public = make_article(title="Public leaked essay", body="leaked words", published_at=when)
    draft = make_article(
        title="DRAFTLEAK leaked", slug="draftleak", status="draft", published_at=None
    )
    tomorrow = timezone.now() + timedelta(days=1)
    later = make_article(title="SCHEDULEDLEAK leaked", slug="scheduledleak", published_at=tomorrow)
    for article in (public, draft, later):
        article.tags.add(tag)
    for status in (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.TRASH):
        make_comment(article=public, text=f"COMMENTLEAK {status}", status=status)

    def page(pattern):
        url = pattern.format(year=2020, article=public.get_absolute_url(), slug=public.slug)
        return _page(client, url).lower()

    for pattern in PUBLIC_URLS:
        body = page(pattern)
        for secret in SECRETS:
            assert secret not in body, f"{secret} leaked on {pattern}"
    assert '<span class="count">1 article</span>' in page("/archive/")
    assert 'leak</a> <span class="count">1</span>' in page("/tags/")

    # The positive control: published and approved, each shows where it belongs.
    for article, minutes in ((draft, 1), (later, 2)):
        article.status = Article.Status.PUBLISHED
        article.published_at = when - timedelta(minutes=minutes)
        article.save()
    for comment in Comment.objects.filter(article=public):
        comment.status = Comment.Status.APPROVED
        comment.save()
    for pattern, secrets in SHOWN_ONCE_PUBLIC.items():
        body = page(pattern)
        for secret in secrets:
            assert secret in body, f"{secret} missing from {pattern} once public"
    assert '<span class="count">3 articles</span>' in page("/archive/")
    assert 'leak</a> <span class="count">3</span>' in page("/tags/")


def test_the_home_page_shows_each_cover_beside_its_title_first_one_at_once(client, heat):
    between = heat.published_at + (timezone.now() - heat.published_at) / 2
    make_article(title="No picture", published_at=between)  # newer than the essay, shown first

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    covers = html.count('class="teaser-cover"')
    assert covers == 1  # the essay has one, the other article none
    start = html.index('class="teaser-cover"')
    cover = html[start : html.index("</a>", start)]
    assert 'alt=""' in cover  # decorative: the title beside it is the link
    assert 'fetchpriority="high"' in cover  # the first cover, under a newer article without

    assert heat.cover_sources["webp"][0][0] in cover
    assert html.index("No picture") < start  # the newer article first, without a cover


def test_an_author_without_a_name_is_shown_as_the_site_never_by_login_name(client, db):
    from tests.factories import make_user

    author = make_user(username="root-login-42")
    article = make_article(title="Blackhat", slug="blackhat", author=author)

    page = _page(client, article.get_absolute_url())
    feed = _page(client, "/feed/")

    assert 'By <span class="author">heatblog</span>' in page
    assert '"author": {"@type": "Person", "name": "heatblog"}' in page
    assert "root-login-42" not in page + feed
    author.first_name, author.last_name = "Michael", "Mann"
    author.save()
    assert 'By <span class="author">Michael Mann</span>' in _page(client, "/articles/blackhat/")


def test_the_contents_nest_subsections_under_their_section(client, db):
    article = make_article(body="## A\n\n1.\n\n### B\n\n2.\n\n## C\n\n3.\n\n# D\n\n4.")

    html = _page(client, article.get_absolute_url())

    assert (
        '<ol><li><a href="#a">A</a><ol><li><a href="#b">B</a></li></ol></li>'
        '<li><a href="#c">C</a></li><li><a href="#d">D</a></li></ol>'
    ) in html
