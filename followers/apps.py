from django.apps import AppConfig
from django.db.models.signals import post_save


class FollowersConfig(AppConfig):
    name = "followers"
    verbose_name = "follow by email"

    def ready(self):
        from articles.models import Article
        from comments.privacy import KEEPERS
        from followers.privacy import FollowerData
        from followers.tasks import article_saved

        def saved(instance, raw=False, **kwargs):
            if not raw:  # loaddata: fixtures start nothing
                article_saved(instance)

        post_save.connect(saved, sender=Article, weak=False, dispatch_uid="followers.article")
        KEEPERS.append(FollowerData())
