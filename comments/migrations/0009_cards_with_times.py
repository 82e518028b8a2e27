"""Comment cards made again: they show the time a comment was written, and an edit made
on another day shows its date (templates/comments/_comment.html)."""

from django.db import migrations

# As the card needs them, frozen here: ThreadComment's fields when this was written.
FIELDS = (
    "id", "parent_id", "name", "email_canonical", "website", "text", "text_html", "created_at",
    "user_id", "moderation_reason", "quote_anchor", "edited_at", "html", "has_spoilers",
)  # fmt: skip
BATCH = 500


def remake_cards(apps, schema_editor):
    from comments.models.thread import ThreadComment
    from comments.thread_html import comment_card

    Comment = apps.get_model("comments", "Comment")
    with_cards = Comment.objects.exclude(html="").order_by("pk")
    last = 0
    while batch := list(with_cards.filter(pk__gt=last).values_list(*FIELDS)[:BATCH]):
        changed = []
        for row in batch:
            comment = ThreadComment(*row)
            changed.append(Comment(pk=comment.pk, html=comment_card(comment)))
        Comment.objects.bulk_update(changed, ["html"])
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [("comments", "0008_deleted_stays_down")]

    operations = [migrations.RunPython(remake_cards, migrations.RunPython.noop)]
