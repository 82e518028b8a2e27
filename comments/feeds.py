from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404

from articles.feeds import XmlSafeRssFeed
from articles.models import Article
from comments.models import Comment
from comments.rendering import spoilers_hidden_html

FEED_LENGTH = 50


class ArticleCommentsFeed(Feed):
    """The latest approved comments on one article. Names and words, never addresses."""

    feed_type = XmlSafeRssFeed

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published(), slug=slug)

    def title(self, article):
        return f"Comments on “{article.title}”"

    def link(self, article):
        return f"{article.get_absolute_url()}#comments"

    def description(self, article):
        return f"The latest comments on “{article.title}”."

    def items(self, article):
        return (
            Comment.objects.approved()
            .for_article(article)
            .select_related("article")
            .order_by("-created_at")[:FEED_LENGTH]
        )

    def item_title(self, comment):
        return f"{comment.name} on “{comment.article.title}”"

    def item_description(self, comment):
        # Feed readers show a folded spoiler unfolded: its words stay on the site.
        return spoilers_hidden_html(comment.text_html, spoilers=comment.has_spoilers)

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_pubdate(self, comment):
        return comment.created_at

    def item_author_name(self, comment):
        return comment.name
