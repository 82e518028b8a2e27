from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "operations"

    def ready(self):
        from operations.periodic import queue_first_runs

        post_migrate.connect(queue_first_runs, dispatch_uid="operations.periodic")
