from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article, Tag


class ArticleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Article.objects.published().only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class TagSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Tag.objects.filter(articles__in=Article.objects.published()).distinct()


class PagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["articles:list", "articles:archive", "articles:tags"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"articles": ArticleSitemap, "tags": TagSitemap, "pages": PagesSitemap}
