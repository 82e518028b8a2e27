"""Spoilers inside a sentence are folded in it (comments/rendering.py): the stored HTML
and cards of comments with ``||`` are made again, and their discussions marked changed
so no cached page keeps the old layout."""

from django.db import migrations
from django.db.models.functions import Now

# As the card needs them, frozen here: ThreadComment's fields when this was written.
FIELDS = (
    "id", "parent_id", "name", "email_canonical", "website", "text", "text_html", "created_at",
    "user_id", "moderation_reason", "quote_anchor", "edited_at", "html", "has_spoilers",
)  # fmt: skip
BATCH = 500


def remake(apps, schema_editor):
    from comments.models.thread import ThreadComment
    from comments.rendering import render_comment_text
    from comments.thread_html import comment_card

    Comment = apps.get_model("comments", "Comment")
    Article = apps.get_model("articles", "Article")
    with_spoilers = Comment.objects.filter(text__contains="||").order_by("pk")
    last, articles = 0, set()
    while batch := list(with_spoilers.filter(pk__gt=last)[:BATCH]):
        for comment in batch:
            comment.text_html = render_comment_text(
                comment.text, spoilers=comment.has_spoilers, quote=comment.quote,
                quote_anchor=comment.quote_anchor,
            )  # fmt: skip
            articles.add(comment.article_id)
        Comment.objects.bulk_update(batch, ["text_html"])
        rows = Comment.objects.filter(pk__in=[c.pk for c in batch]).exclude(html="")
        cards = [ThreadComment(*row) for row in rows.values_list(*FIELDS)]
        Comment.objects.bulk_update(
            [Comment(pk=card.pk, html=comment_card(card)) for card in cards], ["html"]
        )
        last = batch[-1].pk
    Article.objects.filter(pk__in=articles).update(discussion_updated_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0011_ip_address_label"),
        ("articles", "0010_former_slugs"),
    ]

    operations = [migrations.RunPython(remake, migrations.RunPython.noop)]
