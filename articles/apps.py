from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from articles.models import Article, Tag
        from operations.pagecache import invalidate

        def changed(**kwargs):
            invalidate()

        for model in (Article, Tag):
            post_save.connect(changed, sender=model, weak=False)
            post_delete.connect(changed, sender=model, weak=False)
        m2m_changed.connect(changed, sender=Article.tags.through, weak=False)
