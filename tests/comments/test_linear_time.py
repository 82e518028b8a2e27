"""Everything that reads what a reader typed answers in time linear in its length.

A loop that rescans its input is a denial of service: one comment of 65,525
characters once took seconds to render, because the linker counted brackets again
for each character it added to a link. Each property here feeds one function about
64 KB shaped to hurt (brackets nested or never closed, thousands of ``||``, links or
``http://x(``, runs of whitespace or of combining marks) and allows it a second:
many times what a linear pass takes, even on a busy machine.
"""

import time

import hypothesis
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from comments.forms import CommentForm
from comments.moderation import Candidate, decide
from comments.rendering import (
    count_links,
    render_comment_text,
    spoilers_hidden,
    spoilers_hidden_html,
)
from tests.factories import comment_data, make_article

LONGEST_COMMENT = 65_525
SECONDS = 1.0

# The nastiest first: Hypothesis tries simple choices early, and shrinks towards them.
OPENINGS = ["http://x(", "http://x/", "(www.x.example/", "||", "casino ", ""]
RUNS = [
    # After an unclosed bracket: what a link may or may not end with.
    ".", ")", "(", ")(", ").", "!?", "’”",
    # Thousands of links, spoilers, lines and paragraphs.
    "http://x(", "http://a.example ", "www.a.example) ", "||", "a||", "\n", "\n\n", " \n",
    "\r\n", "x\n", " ", "\t",
    # What the escaper, the search parser and the keyword normaliser read.
    "<&\"", "-", "heat or ", "aab", "\u0301\u0316", "\u0f73", "\u200b", "с", "ａ",
]  # fmt: skip


def _shaped(opening: str, runs: list[str]) -> str:
    """An opening, then each run repeated to fill its share of the longest comment."""
    share = (LONGEST_COMMENT - len(opening)) // len(runs)
    return (opening + "".join(run * (share // len(run)) for run in runs))[:LONGEST_COMMENT]


# A recipe rather than the text itself, so a failure reads "http://x(" then ["."].
HOSTILE = st.tuples(
    st.sampled_from(OPENINGS),
    st.lists(
        st.one_of(st.sampled_from(RUNS), st.text(min_size=1, max_size=3)), min_size=1, max_size=3
    ),
)
# Fifty phrases, none of them in the text: every one is looked for everywhere.
KEYWORDS = tuple(
    (phrase, "spam" if n % 2 else "hold")
    for n, phrase in enumerate(
        [f"pharmacy{n}" for n in range(40)]
        + ["a" * 199 + "b", "(" * 200, "http://y(", "||||x", "ｃａｓｉｎｏ！", "\u0301\u0316" * 100]
        + ["с" * 150 + "x", "\u200b" * 50 + "z", "\n\n\n\t", "x" * 100 + "ab"]
    )
)
SLOW_EXAMPLES = hypothesis.settings(max_examples=25, deadline=None)
DATABASE_EXAMPLES = hypothesis.settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _seconds(call, *args, clock=time.thread_time, **kwargs) -> float:
    """How long the call took, in this thread's CPU time by default: a busy machine
    doesn't stretch it, a loop that rescans its input does."""
    start = clock()
    call(*args, **kwargs)
    return clock() - start


def test_a_link_with_an_unclosed_bracket_and_65516_dots_renders_in_under_a_second():
    assert _seconds(render_comment_text, "http://x(" + "." * 65516) < SECONDS


@SLOW_EXAMPLES
@given(recipe=HOSTILE, spoilers=st.booleans(), quote=st.one_of(st.none(), HOSTILE))
def test_any_comment_renders_in_linear_time(recipe, spoilers, quote):
    text, quote = _shaped(*recipe), _shaped(*quote) if quote else ""
    seconds = _seconds(
        render_comment_text, text, spoilers=spoilers, quote=quote, quote_anchor="p-0123abcd"
    )

    assert seconds < SECONDS


@SLOW_EXAMPLES
@given(recipe=HOSTILE)
def test_spoilers_are_hidden_for_feeds_in_linear_time(recipe):
    text = _shaped(*recipe)
    html = render_comment_text(text)

    assert _seconds(spoilers_hidden, text) < SECONDS
    assert _seconds(spoilers_hidden_html, html) < SECONDS


@SLOW_EXAMPLES
@given(recipe=HOSTILE)
def test_links_are_counted_in_linear_time(recipe):
    assert _seconds(count_links, _shaped(*recipe)) < SECONDS


@SLOW_EXAMPLES
@given(recipe=HOSTILE)
def test_fifty_keywords_are_looked_for_in_linear_time(recipe):
    text = _shaped(*recipe)
    candidate = Candidate(
        name=text, email="a@example.com", website="", text=text, user_agent=text, keywords=KEYWORDS
    )

    assert _seconds(decide, candidate) < SECONDS


@pytest.mark.parametrize("field", ["text", "name"])
@DATABASE_EXAMPLES
@given(recipe=HOSTILE)
def test_the_comment_form_checks_a_comment_or_name_in_linear_time(db, field, recipe):
    article = make_article()
    form = CommentForm(article, data=comment_data(article, **{field: _shaped(*recipe)}))

    assert _seconds(form.is_valid) < SECONDS


def test_an_address_made_of_thousands_of_accents_is_refused_in_linear_time(db):
    article = make_article()
    email = "a@b" + "\u0301\u0316" * 32_000  # IDNA's normalisation is quadratic on these
    form = CommentForm(article, data=comment_data(article, email=email))

    assert _seconds(form.is_valid) < SECONDS
    assert "email" in form.errors


@DATABASE_EXAMPLES
@given(recipe=HOSTILE)
def test_a_search_answers_in_linear_time(heat, client, recipe):
    query = _shaped(*recipe)

    # Wall time: most of a search is PostgreSQL's work, not this thread's.
    seconds = _seconds(
        client.get, reverse("articles:search"), {"q": query}, clock=time.perf_counter
    )
    assert seconds < SECONDS
