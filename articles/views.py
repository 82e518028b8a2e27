from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from articles.models import Article

ARTICLES_PER_PAGE = 10


def article_list(request):
    """The home page: published articles, newest first."""
    articles = Article.objects.published().select_related("author").defer("body", "body_html")
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page_obj": page})


def article_detail(request, slug):
    """One article; drafts and scheduled articles only for staff."""
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("author"), slug=slug
    )
    return render_article(request, article)


def render_article(request, article, extra_context=None, status=200):
    """The article page; the comments app re-renders it to show a form with errors."""
    context = {"article": article, **(extra_context or {})}
    return render(request, "articles/article_detail.html", context, status=status)
