"""What data migrations share: make comments' cards again (their public HTML) and mark
their discussions changed, so no cached page keeps the old cards. Not a migration
itself (the leading underscore): the migrations that change what cards show call it."""

from django.db.models.functions import Now

# As the card needs them, frozen here: ThreadComment's fields when this was written.
FIELDS = (
    "id", "parent_id", "name", "email_canonical", "website", "text", "text_html", "created_at",
    "user_id", "moderation_reason", "quote_anchor", "edited_at", "html", "has_spoilers",
)  # fmt: skip


def remake_cards(apps, comment_ids) -> None:
    from comments.models.thread import ThreadComment
    from comments.thread_html import comment_card

    Comment = apps.get_model("comments", "Comment")
    Article = apps.get_model("articles", "Article")
    rows = Comment.objects.filter(pk__in=comment_ids).exclude(html="").values_list(*FIELDS)
    cards = [ThreadComment(*row) for row in rows]
    Comment.objects.bulk_update(
        [Comment(pk=card.pk, html=comment_card(card)) for card in cards], ["html"], batch_size=500
    )
    articles = Comment.objects.filter(pk__in=comment_ids).values("article_id")
    Article.objects.filter(pk__in=articles).update(discussion_updated_at=Now())
