"""Staff comments signed with a login name (a staff member without a first and last
name) are signed with the site's name instead, as new ones are (articles.models.public_name):
a login name is half of what signing in to the admin takes."""

from django.conf import settings
from django.db import migrations

from comments.migrations._cards import remake_cards


def rename(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    changed = []
    staff_comments = Comment.objects.filter(user__isnull=False).select_related("user")
    for comment in staff_comments.only("name", "user__first_name", "user__last_name"):
        user = comment.user
        name = f"{user.first_name} {user.last_name}".strip() or settings.SITE_NAME
        if comment.name != name:
            comment.name = name
            changed.append(comment)
    Comment.objects.bulk_update(changed, ["name"], batch_size=500)
    remake_cards(apps, [comment.pk for comment in changed])


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0012_inline_spoilers"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
