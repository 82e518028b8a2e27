"""Addresses worked out once per process are still the right ones."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, include, path, set_script_prefix
from django.urls import reverse as django_reverse

from operations.routes import URLNode, reverse
from tests.factories import make_article

# The whole site again under /writing/, for the test that changes ROOT_URLCONF.
urlpatterns = [path("writing/", include("articles.urls"))]


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("articles:list", None, None),
        ("articles:detail", ["heat-1995"], None),
        ("articles:tag", None, {"slug": "crime"}),
        ("comments:post", ["heat-1995"], None),
        ("admin:articles_article_change", [7], None),
    ],
)
def test_an_address_is_djangos_each_time_it_is_asked_for(name, args, kwargs):
    expected = django_reverse(name, args=args, kwargs=kwargs)

    assert reverse(name, args=args, kwargs=kwargs) == expected
    assert reverse(name, args=args, kwargs=kwargs) == expected  # remembered


@pytest.mark.parametrize(
    ("name", "first", "then"),
    [
        ("articles:archive_year", 1, True),  # Django: "True" is no year
        ("articles:archive_year", 2024, 2024.0),  # Django: "2024.0" is no year
        ("articles:preview", 1, True),  # <str:token>: Django gives /preview/True/
        ("articles:preview", 1, 1.0),
        ("articles:preview", Decimal("1.0"), Decimal("1.00")),
    ],
)
def test_arguments_python_counts_as_equal_get_their_own_addresses(name, first, then):
    # Found by the review of this change: 1 == 1.0 == True, as keys they were one.
    assert _answer(reverse, name, first) == _answer(django_reverse, name, first)
    assert _answer(reverse, name, then) == _answer(django_reverse, name, then)


def _answer(reverse, name, argument):
    try:
        return reverse(name, args=[argument])
    except NoReverseMatch:
        return "no address"


def test_an_argument_that_cant_be_remembered_still_gets_its_address():
    address = reverse("articles:preview", args=[["a", "b"]])

    assert address == django_reverse("articles:preview", args=[["a", "b"]])
    assert address.startswith("/preview/%5B")


def test_a_query_string_and_fragment_are_djangos_too():
    url = reverse("articles:search", query={"q": "heat"}, fragment="results")

    assert url == "/search/?q=heat#results"


def test_a_site_served_under_a_prefix_gets_its_prefix_not_a_remembered_address():
    assert reverse("articles:detail", args=["heat-1995"]) == "/articles/heat-1995/"
    set_script_prefix("/blog/")
    try:
        assert reverse("articles:detail", args=["heat-1995"]) == "/blog/articles/heat-1995/"
    finally:
        set_script_prefix("/")
    assert reverse("articles:detail", args=["heat-1995"]) == "/articles/heat-1995/"


def test_other_url_patterns_give_their_own_addresses(settings):
    assert reverse("articles:list") == "/"

    site = settings.ROOT_URLCONF
    settings.ROOT_URLCONF = __name__
    assert reverse("articles:list") == "/writing/"

    settings.ROOT_URLCONF = site
    assert reverse("articles:list") == "/"


def test_an_unknown_name_is_still_an_error():
    with pytest.raises(NoReverseMatch):
        reverse("articles:nothing-here")
    with pytest.raises(NoReverseMatch):
        reverse("articles:detail", args=["not a slug"])


@pytest.mark.django_db
def test_the_url_tag_is_this_one_and_works_as_djangos():
    article = make_article(slug="heat-1995")
    template = Template(
        "{% url 'articles:detail' article.slug %}|{% url 'articles:list' as home %}{{ home }}"
        "|{% url 'articles:nothing-here' as missing %}[{{ missing }}]"
    )

    assert isinstance(template.nodelist[0], URLNode)
    assert template.render(Context({"article": article})) == "/articles/heat-1995/|/|[]"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'articles:nothing-here' %}").render(Context())
