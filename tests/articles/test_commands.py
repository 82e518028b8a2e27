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
