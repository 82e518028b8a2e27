from django.db import migrations, models
from django.db.models import F


def approved_replies_were_told(apps, schema_editor):
    """Replies approved before now had their chance to be mailed: approving one again
    must not mail it a second time."""
    Comment = apps.get_model("comments", "Comment")
    Comment.objects.filter(parent__isnull=False, status="approved").update(
        parent_told_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0013_staff_public_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="parent_told_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the author of the comment it replies to was mailed about it: once.",
                null=True,
            ),
        ),
        migrations.RunPython(approved_replies_were_told, migrations.RunPython.noop),
    ]
