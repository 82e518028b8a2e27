"""Each moderation rule on its own, then the order they are asked in."""

import pytest

from comments import moderation
from comments.models import Comment, ModerationKeyword
from comments.moderation import Candidate, decide


def candidate(**overrides):
    values = {
        "name": "Chris",
        "email": "chris@example.com",
        "website": "",
        "text": "Kilmer's reload is the best moment in the film.",
        "ip_address": "192.0.2.10",
        "user_agent": "Firefox",
        "is_returning": True,
    }
    values.update(overrides)
    return Candidate(**values)


def test_a_returning_commenter_with_an_ordinary_comment_is_approved():
    assert decide(candidate()).status == Comment.Status.APPROVED


def test_a_first_comment_is_held(settings):
    verdict = decide(candidate(is_returning=False))

    assert verdict.status == Comment.Status.PENDING
    assert "first comment" in verdict.reason


def test_first_comments_are_published_when_the_setting_is_off(settings):
    settings.COMMENTS_FIRST_TIME_HELD = False

    assert decide(candidate(is_returning=False)).status == Comment.Status.APPROVED


def test_one_link_is_fine():
    assert moderation.has_too_many_links(candidate(text="See https://a.example")) is None


def test_two_links_hold_the_comment_as_wordpress_does():
    verdict = moderation.has_too_many_links(candidate(text="http://a.example www.b.example"))

    assert verdict.status == Comment.Status.PENDING
    assert verdict.reason == "it contains 2 links"


def test_the_link_limit_is_a_setting(settings):
    settings.COMMENTS_MAX_LINKS = 3

    assert moderation.has_too_many_links(candidate(text="http://a.x http://b.x")) is None


def test_a_link_in_the_name_counts():
    verdict = moderation.has_too_many_links(
        candidate(name="cheap-pills.example http://x", text="https://y.example")
    )

    assert verdict is not None


def test_a_moderation_keyword_anywhere_holds_the_comment():
    verdict = moderation.has_moderation_keyword(
        candidate(user_agent="EvilBot/2.0", keywords=(("evilbot", "hold"),))
    )

    assert verdict.status == Comment.Status.PENDING
    assert verdict.reason == "it contains a word or phrase we check by hand"


def test_a_disallowed_keyword_makes_it_spam_case_insensitively():
    verdict = moderation.has_disallowed_keyword(
        candidate(text="Buy CHEAP Watches", keywords=(("cheap watches", "spam"),))
    )

    assert verdict.status == Comment.Status.SPAM


@pytest.mark.parametrize("field", ["text", "name"])
@pytest.mark.parametrize(
    "spelling",
    [
        "ca\u200bsino",
        "CA\u00adSINO",
        "\u0441\u0430sino",
        "ｃａｓｉｎｏ",
        "casıno",
        "casi\u0307no",
        "CASİNO",
        "ᴄᴀsɪɴᴏ",
        "ca%73ino",
    ],
    ids=[
        "zero-width space",
        "soft hyphen",
        "cyrillic letters",
        "fullwidth letters",
        "dotless i",
        "extra dot",
        "dotted capital I",
        "small capitals",
        "percent-encoded",
    ],
)
def test_a_spam_keyword_catches_the_word_however_it_is_disguised(field, spelling):
    verdict = moderation.has_disallowed_keyword(
        candidate(**{field: f"Win big at the {spelling} tonight"}, keywords=(("casino", "spam"),))
    )

    assert verdict.status == Comment.Status.SPAM


@pytest.mark.parametrize("spelling", ["buy\tviagra", "buy  viagra", "buy\u2800viagra"])
def test_a_phrase_keyword_catches_the_phrase_whatever_blanks_part_its_words(spelling):
    verdict = moderation.has_disallowed_keyword(
        candidate(text=f"Please {spelling} now", keywords=(("buy viagra", "spam"),))
    )

    assert verdict.status == Comment.Status.SPAM


@pytest.mark.parametrize(
    "website", ["http://spamdomain%2Eexample/", "http://spamdomain\u3002example/"]
)
def test_a_keyword_catches_a_disguised_link_host(website):
    verdict = moderation.has_disallowed_keyword(
        candidate(website=website, keywords=(("spamdomain.example", "spam"),))
    )

    assert verdict.status == Comment.Status.SPAM


def test_a_spam_keyword_catches_the_plain_word():
    verdict = moderation.has_disallowed_keyword(
        candidate(text="Win big at the casino tonight", keywords=(("casino", "spam"),))
    )

    assert verdict.status == Comment.Status.SPAM


@pytest.mark.parametrize("text", ["Cassino is a town in Lazio.", "Кино and pizza tonight"])
def test_a_spam_keyword_leaves_other_words_alone(text):
    assert (
        moderation.has_disallowed_keyword(candidate(text=text, keywords=(("casino", "spam"),)))
        is None
    )


def test_a_keyword_that_shows_nothing_catches_nothing():
    assert moderation.has_disallowed_keyword(candidate(keywords=(("\u200b", "spam"),))) is None


def test_a_disallowed_ip_address_makes_it_spam():
    verdict = moderation.has_disallowed_keyword(
        candidate(ip_address="203.0.113.66", keywords=(("203.0.113.66", "spam"),))
    )

    assert verdict.status == Comment.Status.SPAM


def test_keywords_of_the_other_kind_do_not_fire():
    assert moderation.has_disallowed_keyword(candidate(keywords=(("kilmer", "hold"),))) is None
    assert moderation.has_moderation_keyword(candidate(keywords=(("kilmer", "spam"),))) is None


def test_the_bot_trap_makes_it_spam_before_anything_else():
    verdict = decide(candidate(tripped_bot_trap=True, is_staff=True))

    assert verdict.status == Comment.Status.SPAM


def test_staff_are_approved_even_with_many_links():
    verdict = decide(candidate(is_staff=True, text="http://a.x http://b.x http://c.x"))

    assert verdict.status == Comment.Status.APPROVED


def test_spam_keywords_beat_staff_status():
    verdict = decide(candidate(is_staff=True, text="casino", keywords=(("casino", "spam"),)))

    assert verdict.status == Comment.Status.SPAM


@pytest.mark.django_db
def test_keyword_lists_come_from_the_admins_table():
    ModerationKeyword.objects.create(phrase="viagra", action="spam")
    ModerationKeyword.objects.create(phrase="crypto", action="hold")

    assert set(moderation.keywords()) == {("viagra", "spam"), ("crypto", "hold")}
