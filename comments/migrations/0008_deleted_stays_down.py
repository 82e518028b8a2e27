from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0007_deleted_by_author"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="comment",
            constraint=models.CheckConstraint(
                condition=models.Q(deleted_by_author=False) | models.Q(status__in=["trash", "spam"]),
                name="comment_deleted_by_author_stays_down",
            ),
        ),
    ]
