"""The load_heat command: the Heat essay, loaded once, reloaded on request."""

from django.core.management import call_command

from articles.models import Article


def _load(*args):
    call_command("load_heat", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_loading_the_essay_twice_leaves_one_article(db):
    _load()
    _load()

    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert article.is_published()
    assert len([t for t in article.toc if t["level"] == 2]) == 7


def test_reloading_keeps_an_editors_changes(heat):
    heat.title = "Heat, revisited"
    heat.save()

    _load()

    assert Article.objects.get().title == "Heat, revisited"


def test_reloading_with_force_restores_the_original(heat):
    heat.body = "Vandalised."
    heat.save()

    _load("--force")

    article = Article.objects.get()
    assert article.body.startswith("There are crime thrillers")
    assert Article.objects.count() == 1


def test_the_trailing_leave_a_comment_line_is_not_article_text(heat):
    assert "Leave a Comment" not in heat.body
    assert heat.body.rstrip().endswith("lose yourself in the tension one more time.")


def test_the_essay_arrives_with_its_cover_illustration_described(db, client):
    _load()

    article = Article.objects.get()
    assert article.cover_alt.startswith("An illustration of Los Angeles at night")
    assert (article.cover_width, article.cover_height) == (2400, 1260)
    assert [w for _, w in article.cover_sources["webp"]] == [480, 960, 1600]
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert '<figure class="cover"><picture>' in html
    assert f'alt="{article.cover_alt}" width="2400" height="1260"' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/media/renditions/' in html
