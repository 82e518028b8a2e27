from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from articles.models import Article, Tag

ARTICLES_PER_PAGE = 10
SEARCH_RESULTS_PER_PAGE = 10
TEASER_FIELDS = (
    "title", "slug", "dek", "excerpt", "published_at", "updated_at", "word_count",
    "comment_count", "status", "cover_sources", "cover_alt", "author__username",
    "author__first_name", "author__last_name",
)  # fmt: skip


def _teasers():
    return Article.objects.published().select_related("author").only(*TEASER_FIELDS)


def _page(request, queryset, per_page=ARTICLES_PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def article_list(request):
    """The home page: published articles, newest first."""
    return render(request, "articles/article_list.html", {"page_obj": _page(request, _teasers())})


def article_detail(request, slug):
    """One article; drafts and scheduled articles only for staff."""
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("author"), slug=slug
    )
    return render_article(request, article)


def render_article(request, article, extra_context=None, status=200):
    """The article page; the comments app re-renders it to show a form with errors."""
    context = {
        "article": article,
        "tags": list(article.tags.all()),
        "older": None,
        "newer": None,
        **(extra_context or {}),
    }
    if article.is_published():
        context["older"], context["newer"] = _neighbours(article)
    return render(request, "articles/article_detail.html", context, status=status)


def _neighbours(article):
    """The previous and next published articles, in one query."""
    published = Article.objects.published().values("title", "slug", "published_at")
    older = published.filter(published_at__lt=article.published_at).order_by("-published_at")
    newer = published.filter(published_at__gt=article.published_at).order_by("published_at")
    rows = list(older[:1].union(newer[:1], all=True).order_by())
    by_side = {row["published_at"] < article.published_at: row for row in rows}
    return by_side.get(True), by_side.get(False)


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


def search(request):
    """Full-text search of published articles, ranked, with highlighted snippets."""
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    results = Article.objects.published().search(query).select_related("author")
    page = _page(request, results, per_page=SEARCH_RESULTS_PER_PAGE) if query else None
    return render(request, "articles/search.html", {"query": query, "page_obj": page})
