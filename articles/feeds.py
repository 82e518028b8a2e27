import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles.models import Article, public_name
from articles.rendering import absolute_urls
from articles.templatetags.articles import absolute

FEED_LENGTH = 20
# What XML 1.0 can't carry: Django's feed writer refuses the controls (a 500) and writes
# the two noncharacters, which no feed reader can then parse.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlSafe:
    """Feed writer mixin: the characters XML can't carry, dropped from everything the
    feed writes, once Django has made its texts strings. The forms refuse them, but
    text can arrive other ways (an editor's paste in the admin, an import), and one
    would fail the whole feed."""

    def write(self, outfile, encoding):
        self.feed = _xml_safe(self.feed)
        self.items = [_xml_safe(item) for item in self.items]
        super().write(outfile, encoding)


def _xml_safe(value):
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    if isinstance(value, dict):
        return {name: _xml_safe(item) for name, item in value.items()}
    if isinstance(value, list | tuple):  # categories
        return [_xml_safe(item) for item in value]
    return value


class XmlSafeRssFeed(XmlSafe, Rss201rev2Feed):
    pass


class LatestArticlesFeed(Feed):
    """RSS of the latest articles: full text, or summaries with FEEDS_FULL_CONTENT off."""

    feed_type = XmlSafeRssFeed
    link = "/"

    def title(self):
        return settings.SITE_NAME

    def description(self):
        return f"The latest long-form writing from {settings.SITE_NAME}."

    def items(self):
        return (
            Article.objects.published()
            .select_related("author")
            .prefetch_related("tags")[:FEED_LENGTH]
        )

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return _full_text(article) if settings.FEEDS_FULL_CONTENT else article.summary

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return public_name(article.author)

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]


class FullTextAtom1Feed(XmlSafe, Atom1Feed):
    """Atom with the article in <content> (Django's Atom puts the description in <summary>,
    which is for a summary: readers that show summaries would show whole essays)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = FullTextAtom1Feed

    def subtitle(self):
        return self.description()

    def item_description(self, article):
        return article.summary

    def item_extra_kwargs(self, article):
        return {"content": _full_text(article)} if settings.FEEDS_FULL_CONTENT else {}


def _full_text(article) -> str:
    """The article as a feed reader gets it: images and #section links by full address."""
    return absolute_urls(article.body_html, absolute(article.get_absolute_url()))
