from django.db import migrations, models


def mark_deleted_by_author(apps, schema_editor):
    """Comments deleted by their authors before this field said so in their reason."""
    comment = apps.get_model("comments", "Comment")
    comment.objects.filter(status="trash", moderation_reason="deleted by its author").update(
        deleted_by_author=True, moderation_reason="Deleted by its author."
    )


def unmark_deleted_by_author(apps, schema_editor):
    """Back to the reason alone, as the site said it before the field."""
    comment = apps.get_model("comments", "Comment")
    comment.objects.filter(deleted_by_author=True).update(
        moderation_reason="deleted by its author"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0006_comment_card"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="deleted_by_author",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Its author deleted it: it stays in the trash, and no moderator's "
                "action can publish it again.",
            ),
        ),
        migrations.RunPython(mark_deleted_by_author, unmark_deleted_by_author),
    ]
