"""Moving a blog over from WordPress with `manage.py import_wxr`."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article
from comments.models import Comment
from comments.privacy import erase
from transfer.models import RemovedImport
from transfer.wordpress_html import comment_text, html_to_markdown

WXR = Path(__file__).parent / "data" / "wordpress.xml"


def run_import(path=WXR):
    out, err = StringIO(), StringIO()
    call_command("import_wxr", str(path), stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def imported(db, capsys):
    summary = run_import()
    progress = capsys.readouterr().err
    return summary, progress


def test_posts_and_drafts_are_imported_with_their_dates_and_status(imported):
    thief = Article.objects.get(slug="thief-1981")
    draft = Article.objects.get(title="Notes on Collateral")

    assert thief.status == Article.Status.PUBLISHED
    assert thief.published_at.isoformat() == "2021-03-01T18:30:00+00:00"
    assert thief.updated_at == thief.published_at  # not "Updated" on the day of the import
    assert thief.is_published()
    assert thief.dek == "Mann’s first feature, cold and precise."  # typographic, as titles are
    assert draft.status == Article.Status.DRAFT
    assert draft.slug == "notes-on-collateral"
    assert draft.allow_comments is False


def test_html_becomes_markdown_without_scripts(imported):
    body = Article.objects.get(slug="thief-1981").body

    assert "## The heist" in body
    assert "**methodical**" in body
    assert "[the film](https://en.wikipedia.org/wiki/Thief_(film))" in body
    assert "- Tangerine Dream" in body
    assert "alert" not in body


def test_bare_wordpress_text_keeps_its_paragraphs(imported):
    body = Article.objects.get(title="Notes on Collateral").body

    assert "Then Vincent gets in." in body
    assert "\n\nThen Vincent gets in." in body


def test_categories_and_tags_become_tags(imported):
    thief = Article.objects.get(slug="thief-1981")

    assert sorted(t.name for t in thief.tags.all()) == ["Michael Mann", "Reviews"]


def test_authors_are_mapped_to_users_without_a_usable_password(imported):
    mann = get_user_model().objects.get(username="mann")

    assert Article.objects.get(slug="thief-1981").author == mann
    assert mann.get_full_name() == "Michael Mann"
    assert not mann.has_usable_password()


def test_comments_keep_their_threads_statuses_and_dates(imported):
    by_name = {c.name: c for c in Comment.objects.all()}

    assert set(by_name) == {"Jessie", "Frank", "Leo", "Waiting", "Cheap pills"}
    assert by_name["Frank"].parent == by_name["Jessie"]
    assert by_name["Leo"].parent == by_name["Frank"]
    assert by_name["Jessie"].status == Comment.Status.APPROVED
    assert by_name["Waiting"].status == Comment.Status.PENDING
    assert by_name["Cheap pills"].status == Comment.Status.SPAM
    assert by_name["Jessie"].created_at.isoformat() == "2021-03-02T09:00:00+00:00"
    assert by_name["Jessie"].ip_address == "198.51.100.10"
    assert Article.objects.get(slug="thief-1981").comment_count == 3


def test_comment_html_becomes_plain_text_and_bad_websites_are_dropped(imported):
    jessie = Comment.objects.get(name="Jessie")

    assert jessie.text == (
        "The diner scene.\nPure Mann.\n\nSee this essay (https://example.com/thief)."
    )
    assert Comment.objects.get(name="Leo").website == ""


def test_pingbacks_are_left_behind(imported):
    assert not Comment.objects.filter(name="Some blog").exists()


def test_malformed_items_are_skipped_and_reported(imported):
    summary, _ = imported

    assert "Articles: 2 new, 0 updated." in summary
    assert "Comments: 5 new, 0 updated, 0 kept as changed here." in summary
    assert "“Broken post”: it is published but has no valid date" in summary
    assert "Not posts, left out: 1 × attachment." in summary
    assert "heat-poster.jpg" not in summary  # counted, not listed one by one
    assert not Article.objects.filter(slug="broken-post").exists()


def test_images_left_on_the_old_site_are_listed_for_the_editor(db, client, tmp_path):
    with_image = tmp_path / "with-image.xml"
    with_image.write_text(
        WXR.read_text().replace(
            "<p>Frank is a safecracker with a plan.</p>",
            "<p>Frank is a safecracker with a plan.</p>\n<p><img src="
            '"https://oldblog.example/wp-content/uploads/2021/03/frank.jpg" alt="Frank"></p>',
            1,
        )
    )

    summary = run_import(with_image)

    assert (
        "Images on other sites, which readers won't see (pages show images from this site "
        "only; add them again with “Insert image…”): 1 article.\n"
        "  - “Thief (1981)” (oldblog.example)"
    ) in summary
    page = client.get("/articles/thief-1981/")
    assert page.status_code == 200
    assert 'src="https://oldblog.example/wp-content/uploads/2021/03/frank.jpg"' in (
        page.content.decode()
    )
    assert "oldblog.example" not in page["Content-Security-Policy"]


def test_a_progress_bar_is_shown(imported):
    _, progress = imported

    assert "Importing posts" in progress
    assert "4/4" in progress


def test_running_it_again_updates_instead_of_duplicating(imported):
    summary = run_import()

    assert Article.objects.count() == 2
    assert Comment.objects.count() == 5
    assert "Articles: 0 new, 2 updated." in summary
    assert "Comments: 0 new, 5 updated, 0 kept as changed here." in summary
    assert Comment.objects.get(name="Jessie").text.startswith("The diner scene.")
    assert Comment.objects.get(name="Leo").parent.name == "Frank"


def test_an_untouched_comment_changed_in_wordpress_is_updated(imported, tmp_path):
    changed = tmp_path / "wordpress.xml"
    changed.write_text(
        WXR.read_text().replace("Agreed: the diner scene.", "Agreed: the diner scene, and the end.")
    )

    summary = run_import(changed)

    assert Comment.objects.get(name="Frank").text == "Agreed: the diner scene, and the end."
    assert "Comments: 0 new, 5 updated, 0 kept as changed here." in summary


@pytest.mark.parametrize("keep_words", [True, False], ids=["anonymised", "erased"])
def test_a_comment_its_author_erased_stays_erased_when_the_import_runs_again(imported, keep_words):
    jessie = Comment.objects.get(name="Jessie")
    erase(Comment.objects.filter(pk=jessie.pk), keep_words=keep_words)
    erased = Comment.objects.values().get(pk=jessie.pk)

    summary = run_import()

    assert Comment.objects.values().get(pk=jessie.pk) == erased
    assert "Comments: 0 new, 4 updated, 1 kept as changed here." in summary
    assert Comment.objects.get(name="Frank").parent_id == jessie.pk
    assert not Comment.objects.filter(email="jessie@example.com").exists()


@pytest.mark.parametrize("status", ["spam", "trash"])
def test_a_comment_a_moderator_marked_spam_or_trash_keeps_that_status(imported, status):
    frank = Comment.objects.get(name="Frank")
    Comment.objects.filter(pk=frank.pk).set_status(status)

    summary = run_import()

    assert Comment.objects.get(pk=frank.pk).status == status
    assert Article.objects.get(slug="thief-1981").comment_count == 2
    assert "Comments: 0 new, 4 updated, 1 kept as changed here." in summary


def test_a_comment_deleted_here_is_not_brought_back(imported):
    Comment.objects.get(name="Cheap pills").delete()

    summary = run_import()

    assert not Comment.objects.filter(name="Cheap pills").exists()
    assert RemovedImport.objects.filter(source="https://oldblog.example?comment=13").exists()
    assert "Comments: 0 new, 4 updated, 1 kept as changed here." in summary


def test_a_deleted_thread_stays_deleted_with_its_replies(imported):
    Comment.objects.get(name="Jessie").delete()  # Frank and Leo reply to her

    run_import()

    assert set(Comment.objects.values_list("name", flat=True)) == {"Waiting", "Cheap pills"}


def test_a_comment_imported_before_fingerprints_is_updated_only_if_unchanged_here(imported):
    Comment.objects.update(import_fingerprint="")
    Comment.objects.filter(name="Jessie").update(text="Edited here")

    summary = run_import()

    assert Comment.objects.get(name="Jessie").text == "Edited here"
    assert Comment.objects.get(name="Frank").import_fingerprint != ""
    assert "Comments: 0 new, 4 updated, 1 kept as changed here." in summary


def test_approved_imported_comments_count_as_approved_by_a_person(imported):
    assert Comment.objects.get(name="Jessie").approved_by_moderator
    assert not Comment.objects.get(name="Waiting").approved_by_moderator


def test_the_imported_thread_reads_right_on_the_site(imported, client):
    response = client.get("/articles/thief-1981/")
    assert response.status_code == 200
    html = response.content.decode()

    assert "3 comments" in html
    assert html.index("The diner scene.") < html.index("Agreed: the diner scene.")
    assert "Held for moderation." not in html
    Comment.objects.filter(text="Held for moderation.").set_status(Comment.Status.APPROVED)
    assert "Held for moderation." in client.get("/articles/thief-1981/").content.decode()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss><channel><title>&lol3;</title></channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&xxe;</title></item></channel></rss>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "xxe"])
def test_xml_attacks_are_refused(db, tmp_path, payload):
    path = tmp_path / "attack.xml"
    path.write_text(payload)

    with pytest.raises(CommandError, match="Refusing to read"):
        run_import(path)
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("not xml at all", "not a readable WordPress export"), ("<rss/>", "no <channel>")],
)
def test_a_file_that_is_not_an_export_gets_a_clear_error(db, tmp_path, content, message):
    path = tmp_path / "export.xml"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        run_import(path)


def test_a_missing_file_gets_a_clear_error(db):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(Path("/nonexistent/export.xml"))


def test_wordpress_helpers_handle_odd_content():
    assert html_to_markdown("") == "\n"
    assert comment_text("<b>bold</b> &amp; \x00nul") == "bold & nul"


def test_a_caption_shortcode_leaves_its_image_and_words_not_its_brackets():
    from transfer.wordpress_html import html_to_markdown

    html = (
        '<p>Before.</p>[caption id="attachment_7" align="aligncenter" width="800"]'
        '<img src="https://old.example/heat.jpg" alt="The diner"> De Niro and Pacino'
        "[/caption]<p>After.</p>"
    )

    markdown = html_to_markdown(html)

    assert "[caption" not in markdown
    assert "[/caption]" not in markdown
    assert "![The diner](https://old.example/heat.jpg)" in markdown
    assert "De Niro and Pacino" in markdown


def test_captions_are_taken_out_in_one_pass_whatever_the_text():
    import time

    from transfer.wordpress_html import without_captions

    # Closed once, then 50,000 openings never closed: each made a regular expression
    # scan to the end again (23 s for 20,000).
    hostile = "[caption]" * 50_000 + "x" + "[/caption]" + "[caption]" * 50_000
    started = time.thread_time()
    kept = without_captions(hostile)

    assert time.thread_time() - started < 1
    assert "[/caption]" not in kept
    assert kept.count("[caption]") == 99_999  # only the opening that was closed went
    assert without_captions("[caption]" * 3 + "x") == "[caption]" * 3 + "x"  # unclosed: as is
