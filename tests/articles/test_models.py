"""Article and its QuerySet: who may see what, search, and what saving renders."""

import importlib
from datetime import timedelta

import time_machine
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from articles.models import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    Article,
    PublishedBySlug,
    article_to_read,
    public_name,
    search_page,
)
from tests.factories import make_article, make_staff, make_user

MARKDOWN = "Pacino is **superb** here, see [the interview](https://example.com/x)."


def _unpublished():
    draft = make_article(title="Draft", status="draft", published_at=None)
    scheduled = make_article(title="Later", published_at=timezone.now() + timedelta(days=1))
    return draft, scheduled


# ---- Who may see what ---------------------------------------------------------------------


def test_published_is_what_readers_may_see_now(db):
    public = make_article()
    _draft, scheduled = _unpublished()

    assert list(Article.objects.published()) == [public]
    assert [a for a in Article.objects.all() if a.is_published()] == [public]
    with time_machine.travel(scheduled.published_at + timedelta(minutes=1)):
        assert set(Article.objects.published()) == {public, scheduled}


def test_staff_see_drafts_and_scheduled_articles_readers_only_published_ones(db):
    public = make_article()
    draft, scheduled = _unpublished()

    assert set(Article.objects.visible_to(make_staff())) == {public, draft, scheduled}
    assert list(Article.objects.visible_to(make_user())) == [public]
    assert list(Article.objects.visible_to(AnonymousUser())) == [public]


def test_an_article_page_reads_for_readers_only_published_ones_and_for_previewers_all(db):
    public = make_article()
    draft, scheduled = _unpublished()
    editor = make_staff()

    assert article_to_read(public.slug, AnonymousUser()) == public
    assert article_to_read(draft.slug, AnonymousUser()) is None
    assert article_to_read(scheduled.slug, make_user()) is None
    assert article_to_read("no-such-article", AnonymousUser()) is None
    assert article_to_read(draft.slug, editor) == draft
    assert article_to_read(scheduled.slug, editor) == scheduled
    with time_machine.travel(scheduled.published_at + timedelta(minutes=1)):
        assert article_to_read(scheduled.slug, AnonymousUser()) == scheduled


def test_a_reader_gets_the_article_as_the_orm_reads_it_and_of_its_author_the_name(db):
    author = make_staff(first_name="Michael", last_name="Mann")
    article = make_article(author=author, body="Intro.\n\n## The heist\n\nWords.", dek="A dek")
    expected = Article.objects.for_reading().get(pk=article.pk)

    read = article_to_read(article.slug, AnonymousUser())

    loaded = [
        f.attname
        for f in Article._meta.concrete_fields
        if f.attname not in read.get_deferred_fields()
    ]
    assert {name: getattr(read, name) for name in loaded} == {
        name: getattr(expected, name) for name in loaded
    }
    assert {"body", "body_text"} <= read.get_deferred_fields()
    assert read.toc == expected.toc != []
    assert public_name(read.author) == "Michael Mann"
    assert {"password", "email", "username"} <= read.author.get_deferred_fields()


def test_a_read_by_slug_loads_only_what_it_names_and_only_published_articles(db):
    author = make_staff(email="mann@example.com")
    article = make_article(author=author, slug="thief-1981")
    draft, _scheduled = _unpublished()
    posting = PublishedBySlug({"slug", "allow_comments"}, author_fields={"email"})

    read = posting("thief-1981")

    assert read == article
    assert (read.slug, read.allow_comments, read.author.email) == ("thief-1981", True, author.email)
    assert {"body_html", "title"} <= read.get_deferred_fields()
    assert {"password", "first_name"} <= read.author.get_deferred_fields()
    assert posting(draft.slug) is None


def test_publishing_without_a_date_publishes_now(db):
    article = make_article(status="draft", published_at=None)

    article.status = Article.Status.PUBLISHED
    article.save()

    assert article.published_at <= timezone.now()
    assert list(Article.objects.published()) == [article]


# ---- Search ---------------------------------------------------------------------------------


def test_search_ranks_a_title_match_above_a_summary_match_above_a_body_match(db):
    in_body = make_article(title="Notes on cinema", body="Pacino appears once, in passing.")
    in_summary = make_article(title="A career", dek="Pacino, shouting and whispering.")
    in_title = make_article(title="Pacino at eighty")

    assert list(Article.objects.search("pacino")) == [in_title, in_summary, in_body]


def test_a_search_page_is_the_ranking_cut_to_the_page_as_of_each_search(db):
    in_body = make_article(title="Notes on cinema", body="Pacino appears once, in passing.")
    in_summary = make_article(title="A career", dek="Pacino, shouting and whispering.")
    in_title = make_article(title="Pacino at eighty")
    later = make_article(title="Pacino returns", published_at=timezone.now() + timedelta(days=1))

    assert search_page("pacino", 1, 2) == ([in_title.pk, in_summary.pk], 3)
    assert search_page("pacino", 2, 2) == ([in_body.pk], 3)
    assert search_page("pacino", 9, 2) == ([in_body.pk], 3)  # past the end: the last page
    assert search_page("pacino -shouting", 1, 10) == ([in_title.pk, in_body.pk], 2)
    assert search_page("  - ", 1, 10) == ([], 0)
    with time_machine.travel(later.published_at + timedelta(minutes=1)):
        assert search_page("pacino", 1, 10) == (
            [later.pk, in_title.pk, in_summary.pk, in_body.pk],  # the newer of two equals first
            4,
        )


def test_a_blank_query_finds_nothing(db):
    make_article(body="Words worth finding.")

    assert list(Article.objects.search("")) == []
    assert list(Article.objects.search("   ")) == []
    assert Article.objects.search("words").count() == 1


def test_search_chains_after_published_and_never_finds_what_readers_may_not_see(db):
    public = make_article(title="Pacino, out now")
    _unpublished()
    Article.objects.exclude(pk=public.pk).update(title="Pacino, not yet")

    assert list(Article.objects.published().search("pacino")) == [public]
    assert Article.objects.search("pacino").count() == 3


def test_search_indexes_the_body_as_readers_read_it_not_its_markdown(db):
    article = make_article(body=MARKDOWN)

    assert list(Article.objects.search("interview")) == [article]
    assert list(Article.objects.search("example.com")) == []


def test_search_snippets_quote_the_body_as_prose_with_the_matches_marked(db):
    make_article(body=MARKDOWN)

    [result] = Article.objects.search("superb")

    assert f"{HIGHLIGHT_START}superb{HIGHLIGHT_STOP}" in result.snippet
    assert "see the interview" in result.snippet
    assert "**" not in result.snippet
    assert "](" not in result.snippet


def test_editing_the_body_changes_what_search_finds(db):
    article = make_article(body="Neil and his crew.")
    assert list(Article.objects.search("waingro")) == []

    article.body = "Neil, his crew, and Waingro."
    article.save()

    assert list(Article.objects.search("waingro")) == [article]


def test_the_migration_gives_existing_articles_their_plain_text(db):
    migration = importlib.import_module("articles.migrations.0007_body_text")
    article = make_article(body=MARKDOWN)
    Article.objects.filter(pk=article.pk).update(body_text="")
    assert list(Article.objects.search("superb")) == []

    migration.fill_body_text(apps, schema_editor=None)

    assert Article.objects.get().body_text == "Pacino is superb here, see the interview."
    assert list(Article.objects.search("superb")) == [article]


def test_the_migration_puts_tables_and_code_rendered_before_in_reach_of_the_keyboard(db):
    from articles.rendering import TABLE_BOX

    migration = importlib.import_module("articles.migrations.0012_scrolling_tables")
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    old = make_article(body=f"Cast.\n\n{table}\n\n```\ncode\n```\n\nMore.")
    fresh = make_article(body=table)
    rendered_before = (
        old.body_html.replace(TABLE_BOX, "<table>")
        .replace("</table></div>", "</table>")
        .replace('<pre tabindex="0">', "<pre>")
    )
    Article.objects.filter(pk=old.pk).update(body_html=rendered_before)

    migration.wrap_tables(apps, schema_editor=None)
    migration.wrap_tables(apps, schema_editor=None)  # twice: nothing doubled

    assert Article.objects.get(pk=old.pk).body_html == old.body_html
    assert Article.objects.get(pk=fresh.pk).body_html == fresh.body_html
    assert old.body_html.count('class="table-scroll"') == 1
    assert old.body_html.count('<pre tabindex="0">') == 1


# ---- What saving renders --------------------------------------------------------------------


def test_saving_renders_the_body_its_plain_text_contents_and_excerpt(db):
    article = make_article(body=f"## Cast\n\n{MARKDOWN}")

    assert '<h2 id="cast">Cast</h2>' in article.body_html
    assert "<strong>superb</strong>" in article.body_html
    assert article.body_text == "Cast Pacino is superb here, see the interview."
    assert [entry["id"] for entry in article.toc] == ["cast"]
    assert article.word_count == 8
    assert article.excerpt == "Pacino is superb here, see the interview."


def test_the_summary_is_the_dek_or_else_the_first_paragraph(db):
    assert make_article(dek="Set by hand.", body="First words.").summary == "Set by hand."
    assert make_article(dek="", body="First words.\n\nMore.").summary == "First words."


def test_titles_and_summaries_get_the_typography_of_the_body(db):
    article = make_article(
        title='Mann\'s "Heat" -- 1995...', dek="It's <long> & it's good", slug="manns-heat"
    )

    article.refresh_from_db()
    assert article.title == "Mann’s “Heat” – 1995…"
    assert article.dek == "It’s <long> & it’s good"  # plain text: nothing else changes
    assert article.slug == "manns-heat"
    article.save()  # saved again: already typographic, nothing moves
    assert Article.objects.get(pk=article.pk).title == "Mann’s “Heat” – 1995…"
    article.title = "Crime films of the '90s: 'Heat' and 'Thief'"
    article.save()
    assert article.title == "Crime films of the ’90s: ‘Heat’ and ‘Thief’"
