from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from articles.signals import article_served
        from comments.models import ModerationKeyword
        from comments.moderation import forget_keywords
        from comments.reader_view import remember_visit

        post_save.connect(forget_keywords, sender=ModerationKeyword, weak=False)
        post_delete.connect(forget_keywords, sender=ModerationKeyword, weak=False)

        def visited(request, response, slug, **kwargs):
            remember_visit(request, response, slug)

        article_served.connect(visited, weak=False)
