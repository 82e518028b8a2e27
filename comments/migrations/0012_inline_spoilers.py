"""Spoilers inside a sentence are folded in it (comments/rendering.py): the stored HTML
and cards of comments with ``||`` are made again."""

from django.db import migrations

from comments.migrations._cards import remake_cards

BATCH = 500


def remake(apps, schema_editor):
    from comments.rendering import render_comment_text

    Comment = apps.get_model("comments", "Comment")
    with_spoilers = Comment.objects.filter(text__contains="||").order_by("pk")
    last = 0
    while batch := list(with_spoilers.filter(pk__gt=last)[:BATCH]):
        for comment in batch:
            comment.text_html = render_comment_text(
                comment.text, spoilers=comment.has_spoilers, quote=comment.quote,
                quote_anchor=comment.quote_anchor,
            )  # fmt: skip
        Comment.objects.bulk_update(batch, ["text_html"])
        remake_cards(apps, [comment.pk for comment in batch])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0011_ip_address_label"),
        ("articles", "0010_former_slugs"),
    ]

    operations = [migrations.RunPython(remake, migrations.RunPython.noop)]
