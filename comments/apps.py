from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from articles.signals import article_served
        from comments.discussion import remember_visit
        from comments.models import Comment, ModerationKeyword
        from comments.moderation import forget_keywords

        post_save.connect(forget_keywords, sender=ModerationKeyword, weak=False)
        post_delete.connect(forget_keywords, sender=ModerationKeyword, weak=False)

        def comment_deleted(sender, instance, **kwargs):
            # Imported on the first deletion, not at start-up: comments.wordpress brings
            # the HTML parsers (170 ms), which no request needs.
            from comments.wordpress import remember_removed_import

            remember_removed_import(sender, instance, **kwargs)

        post_delete.connect(comment_deleted, sender=Comment, weak=False)

        def visited(request, response, slug, **kwargs):
            remember_visit(request, response, slug)

        article_served.connect(visited, weak=False)
