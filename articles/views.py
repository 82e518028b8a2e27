import functools
import re

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import http_date
from django.views.decorators.cache import never_cache

from articles.models import (
    Article,
    FormerSlug,
    Tag,
    article_to_read,
    has_searchable_words,
    search_page,
)
from articles.previews import PREVIEW_LINK_DAYS, previewed_article
from articles.rendering import LINE_CONTROLS
from articles.signals import article_served
from operations.pagecache import cached_page

ARTICLES_PER_PAGE = 10
SEARCH_RESULTS_PER_PAGE = 10
SEARCH_RESULT_FIELDS = (
    "title", "slug", "dek", "excerpt", "published_at", "word_count", "comment_count",
)  # fmt: skip
TEASER_FIELDS = (
    "title", "slug", "dek", "excerpt", "published_at", "updated_at", "word_count",
    "comment_count", "discussion_updated_at", "status", "cover_sources", "cover_alt",
    "author__username",
    "author__first_name", "author__last_name",
)  # fmt: skip


def _teasers():
    return Article.objects.published().select_related("author").only(*TEASER_FIELDS)


def _page(request, queryset, per_page=ARTICLES_PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# The addresses under an article's: its page, a comment's permalink, its comment feed.
_ARTICLE_ADDRESS = re.compile(r"/articles/([-a-zA-Z0-9_]+)/((?:comments/(?:[0-9]+|feed)/)?)")
_NOT_SEARCHED = re.compile(f"[{LINE_CONTROLS}]")
MOVED_SECONDS = 60 * 60  # browsers keep a bare 301 for good: a slug changed back would loop


def redirect_moved(view):
    """A view whose miss under an article's former slug answers with a redirect to the
    same address under its slug now (see moved); other misses stay 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            if redirect := moved(request):
                return redirect
            raise

    return wrapper


def moved(request) -> HttpResponsePermanentRedirect | None:
    """For an address under a published article's former slug, a permanent redirect to
    the same address under its slug now (only a miss pays the query). A slug a published
    article holds now is that article's, whatever is under it; one a draft holds still
    leads readers to the article that had it, until the draft is published."""
    match = _ARTICLE_ADDRESS.fullmatch(request.path)
    if request.method not in ("GET", "HEAD") or match is None:
        return None
    former, rest = match.groups()
    moved_to = FormerSlug.objects.filter(slug=former, article__in=Article.objects.published())
    slug = moved_to.values_list("article__slug", flat=True).first()
    if slug is None:
        return None
    holder = Article.objects.filter(slug=former).only("status", "published_at").first()
    if holder is not None and holder.is_published():
        return None
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponsePermanentRedirect(
        f"/articles/{slug}/{rest}" + (f"?{query}" if query else "")
    )
    # Kept an hour, unless a draft holds the slug: once it is published, it is its own.
    response["Cache-Control"] = "no-store" if holder else f"max-age={MOVED_SECONDS}"
    return response


@cached_page
def article_list(request):
    """The home page: published articles, newest first."""
    page = _page(request, _teasers())
    # The first cover shown loads at once (the others lazily), whichever article has it.
    first_cover = next((article.pk for article in page if article.cover_sources), None)
    context = {"page_obj": page, "first_cover": first_cover}
    response = render(request, "articles/article_list.html", context)
    return _last_modified(response, *page.object_list)


@redirect_moved
@cached_page(served=article_served)
def article_detail(request, slug):
    """One article; drafts and scheduled articles only for staff."""
    article = article_to_read(slug, request.user)
    if article is None:
        raise Http404("No article here.")
    return _last_modified(render_article(request, article), article)


@never_cache
def shared_preview(request, token):
    """A draft or scheduled article for someone the editor sent a preview link to."""
    article = previewed_article(token)
    if article is None:
        context = {"days": PREVIEW_LINK_DAYS}
        return render(request, "articles/preview_expired.html", context, status=404)
    if article.is_published():
        return redirect(article)
    response = render_article(request, article, {"shared_preview": True})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _last_modified(response, *articles):
    """Last-Modified: the latest edit or comment among the articles shown."""
    moments = [a.updated_at for a in articles]
    moments += [a.discussion_updated_at for a in articles if a.discussion_updated_at]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())
    return response


def render_article(request, article, extra_context=None, status=200):
    """The article page; the comments app re-renders it to show a form with errors."""
    context = {
        "article": article,
        "tags": article.shown_tags(),
        "older": None,
        "newer": None,
        **(extra_context or {}),
    }
    if article.is_published():
        context["older"], context["newer"] = article.neighbours()
    return render(request, "articles/article_detail.html", context, status=status)


def tag_detail(request, slug):
    """Published articles with one tag."""
    tag = get_object_or_404(Tag, slug=slug)
    page = _page(request, _teasers().filter(tags=tag))
    return render(request, "articles/tag_detail.html", {"tag": tag, "page_obj": page})


def tag_list(request):
    """Every tag that has published articles, with how many."""
    tags = (
        Tag.objects.filter(articles__in=Article.objects.published())
        .annotate(count=Count("articles"))
        .order_by("name")
    )
    return render(request, "articles/tag_list.html", {"tags": tags})


def archive(request):
    """Years with published articles."""
    years = (
        Article.objects.published()
        .annotate(year=ExtractYear("published_at"))
        .values("year")
        .annotate(count=Count("id"))
        .order_by("-year")
    )
    return render(request, "articles/archive.html", {"years": years})


def archive_year(request, year):
    """Every article published in one year, newest first."""
    if not 1 <= year <= 9999:
        raise Http404("There is no such year.")
    articles = _teasers().filter(published_at__year=year)
    page = _page(request, articles, per_page=50)
    if not page.object_list:
        raise Http404("Nothing was published that year.")
    return render(request, "articles/archive_year.html", {"year": year, "page_obj": page})


@cached_page(vary_on_query=True)
def search(request):
    """Full-text search of published articles, ranked, with highlighted snippets."""
    asked = request.GET.get("q", "")
    # Control characters, and those that would turn the page's own words around it
    # backwards ("Nothing found for …"), are no part of a search.
    query = _NOT_SEARCHED.sub(" ", asked).strip()[:200]
    page = _search_page(query, request.GET.get("page")) if query else None
    # Nothing found: was there no word at all, or was every word too common to search for?
    found_nothing = page is not None and not page.paginator.count
    no_words = found_nothing and not any(character.isalnum() for character in query)
    no_words = no_words or (not query and bool(asked.strip()))  # only such characters were sent
    too_common = found_nothing and not no_words and not has_searchable_words(query)
    context = {"query": query, "page_obj": page, "no_words": no_words, "too_common": too_common}
    return render(request, "articles/search.html", context)


def _search_page(query, number):
    """One page of results: counted and ranked in one query, then only the articles
    shown loaded, with their snippets; a page past the end is the last one."""
    try:
        number = min(max(int(number), 1), 10**6)
    except (TypeError, ValueError):
        number = 1
    paginator = Paginator([], SEARCH_RESULTS_PER_PAGE)
    ids, paginator.count = search_page(query, number, SEARCH_RESULTS_PER_PAGE)
    shown = Article.objects.only(*SEARCH_RESULT_FIELDS).with_snippets(query).in_bulk(ids)
    return Page([shown[pk] for pk in ids], min(number, paginator.num_pages), paginator)
