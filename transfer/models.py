from django.db import models


class RemovedImport(models.Model):
    """An imported comment that was deleted here: a new import must not bring it back.

    Holds only where the comment came from (a site address and a comment id), nothing
    about who wrote it.
    """

    source = models.CharField(max_length=300, unique=True)
    removed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.source


def remember_removed_import(sender, instance, **kwargs) -> None:
    """On deleting an imported comment, note where it came from: no import brings it back.

    Connected to the comment's post_delete in transfer/apps.py.
    """
    if instance.imported_from:
        RemovedImport.objects.get_or_create(source=instance.imported_from)
