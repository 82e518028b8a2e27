"""Reads compiled once give what their QuerySets give, with each call's own values."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from articles.models import Article, Tag
from comments.models import ApprovedComment, Comment, approved_thread
from operations.compiled import Compiled
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db


def test_an_articles_thread_is_what_the_orm_reads_for_it_and_nothing_else():
    article, other = make_article(), make_article()
    parent = make_comment(article=article, text="The diner scene.")
    make_comment(article=article, parent=parent, text="Two men, one table.")
    make_comment(article=article, status=Comment.Status.PENDING)
    make_comment(article=article, status=Comment.Status.SPAM)
    make_comment(article=other)

    expected = (
        Comment.objects.approved()
        .for_article(article)
        .order_by("pk")
        .values_list(*ApprovedComment.FIELDS)
    )
    records = approved_thread(article)

    assert sorted(records, key=lambda r: r.pk) == [ApprovedComment(*row) for row in expected]
    assert [r.text for r in sorted(records, key=lambda r: r.pk)] == [
        "The diner scene.",
        "Two men, one table.",
    ]
    assert approved_thread(other)[0].pk not in {r.pk for r in records}


def test_neighbours_are_the_published_articles_either_side_as_of_each_call():
    now = timezone.now()
    older = make_article(title="Thief", published_at=now - timedelta(days=30))
    middle = make_article(title="Heat", published_at=now - timedelta(days=20))
    newer = make_article(title="Collateral", published_at=now - timedelta(days=10))
    make_article(title="A draft", status=Article.Status.DRAFT, published_at=now - timedelta(days=5))
    make_article(title="Miami Vice", published_at=now + timedelta(days=3))  # scheduled

    before, after = middle.neighbours()
    assert before["title"] == "Thief"
    assert before["slug"] == older.slug
    assert after == {"title": "Collateral", "slug": newer.slug, "published_at": newer.published_at}
    heat = {"title": "Heat", "slug": middle.slug, "published_at": middle.published_at}
    assert older.neighbours() == (None, heat)
    assert newer.neighbours()[1] is None  # the scheduled one is not out yet

    with time_machine.travel(now + timedelta(days=4)):
        assert newer.neighbours()[1]["title"] == "Miami Vice"


def test_an_article_lists_its_own_tags_by_name():
    article = make_article()
    crime, la = (
        Tag.objects.create(name="Crime", slug="crime"),
        Tag.objects.create(name="LA", slug="la"),
    )
    article.tags.add(la, crime)
    make_article().tags.add(Tag.objects.create(name="Westerns", slug="westerns"))

    tags = article.shown_tags()

    assert [(t.name, t.slug) for t in tags] == [("Crime", "crime"), ("LA", "la")]
    assert tags[0].get_absolute_url() == "/tags/crime/"


def test_values_go_as_parameters_whatever_they_hold():
    Tag.objects.create(name="Quoted", slug="it's'; drop table articles_tag; --")
    by_slug = Compiled(lambda slug: Tag.objects.filter(slug=slug).values_list("name"), slug=str)

    assert by_slug.rows(slug="it's'; drop table articles_tag; --") == [("Quoted",)]
    assert by_slug.rows(slug="nothing") == []
    assert Tag.objects.count() == 1


def test_values_the_orm_converts_arrive_converted():
    article = make_article(body="Intro.\n\n## The heist\n\nWords.\n\n## The airport\n\nMore.")
    contents = Compiled(
        lambda article: Article.objects.filter(pk=article).values_list("toc", "word_count"),
        article=int,
    )

    assert contents.rows(article=article.pk) == list(
        Article.objects.filter(pk=article.pk).values_list("toc", "word_count")
    )
    assert [section["title"] for section in contents.rows(article=article.pk)[0][0]] == [
        "The heist",
        "The airport",
    ]


def test_a_read_that_would_keep_a_value_in_another_form_than_given_is_refused():
    # Found by the review of this change: the date of a moment went into the SQL as the
    # date of the stand-in, and the read found nothing.
    article = make_article()
    both = Compiled(
        lambda now: Article.objects.filter(published_at__lte=now, updated_at__date=now).values_list(
            "slug"
        ),
        now=datetime,
    )
    shaped = Compiled(
        lambda title: Tag.objects.filter(name__icontains=title).values_list("name"), title=str
    )

    assert (
        Article.objects.filter(
            published_at__lte=timezone.now(), updated_at__date=timezone.now()
        ).get()
        == article
    )
    with pytest.raises(ImproperlyConfigured, match="another form"):
        both.rows(now=timezone.now())
    with pytest.raises(ImproperlyConfigured, match="another form"):
        shaped.rows(title="crime")


def test_a_read_with_no_place_for_a_value_or_given_other_values_is_refused():
    unused = Compiled(lambda article: Tag.objects.values_list("name"), article=int)

    with pytest.raises(ImproperlyConfigured, match="no place for article"):
        unused.rows(article=1)
    with pytest.raises(TypeError):
        unused.rows(slug="crime")
