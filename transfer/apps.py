from django.apps import AppConfig
from django.db.models.signals import post_delete


class TransferConfig(AppConfig):
    name = "transfer"

    def ready(self):
        from comments.models import Comment
        from transfer.models import remember_removed_import

        post_delete.connect(remember_removed_import, sender=Comment, weak=False)
