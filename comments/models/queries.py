"""Which comments a reader may see or await, what a moderator's decision does, and the
counts an article carries of its discussion."""

from django.apps import apps
from django.contrib.postgres.aggregates import BoolOr
from django.db import models, transaction
from django.db.models import Case, Count, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Now

from articles.models import Article
from comments.identity import canonical_email
from comments.models.thread import ApprovedComment, ThreadComment
from comments.thread_html import comment_card
from operations.compiled import Compiled
from operations.pagecache import invalidate

# Why a comment a moderator moved back to "pending" waits (its author sees it).
SENT_BACK = "a moderator took it back to look at it again"


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """Comments everyone may read."""
        return self.filter(status=self.model.Status.APPROVED)

    def in_moderation(self):
        """Comments waiting for a moderator."""
        return self.filter(status=self.model.Status.PENDING)

    def visible_or_awaited(self):
        """Comments readers may see, or whose authors await a moderator: not spam or trash."""
        return self.filter(status__in=[self.model.Status.APPROVED, self.model.Status.PENDING])

    def for_article(self, article):
        return self.filter(article=article)

    def vouch_for(self, email: str, own_ids=(), *, mailbox_confirmed: bool = False) -> bool:
        """Is the author of ``email`` a returning commenter?

        Only when a person (a moderator, not the rules) approved an earlier comment
        from the same canonical address, and this browser proves the address is
        theirs: its signed cookie lists an approved comment from that address
        (``own_ids``), or it confirmed that mailbox. A confirmed mailbox alone, or an
        address typed in, never raises trust.
        """
        canonical = canonical_email(email)
        if not canonical or not (own_ids or mailbox_confirmed):
            return False
        flags = (
            self.approved()
            .filter(email_canonical=canonical)
            .aggregate(
                trusted=BoolOr("approved_by_moderator"),
                own=BoolOr(Case(When(pk__in=list(own_ids), then=True), default=False)),
            )
        )
        return bool(flags["trusted"]) and (mailbox_confirmed or bool(flags["own"]))

    def for_thread(self) -> list[ThreadComment]:
        """Just what a thread shows, as light records: 200 model instances cost 4 ms."""
        return [ThreadComment(*row) for row in self.values_list(*ThreadComment.FIELDS)]

    def set_status(self, status: str) -> list[int]:
        """A moderator's decision: move these comments to ``status`` and keep counts right.

        Returns the ids of the comments that changed (the caller reacts: approved
        replies may have someone to tell, see comments/tasks.py). Approving here is
        what makes an address trusted (see ``approved_by_moderator``).
        """
        movable = self.exclude(status=status)
        if status in (self.model.Status.APPROVED, self.model.Status.PENDING):
            # What its author deleted stays out of sight, whatever a bulk action swept up
            # with it (the rows are locked as they are read: a delete can't slip between).
            movable = movable.exclude(deleted_by_author=True)
        with transaction.atomic():
            locked = movable.order_by().select_for_update(of=("self",))
            changed = list(locked.values_list("pk", "article_id"))
            if not changed:
                return []
            ids = [pk for pk, _ in changed]
            sent_back = {}
            if status == self.model.Status.PENDING:
                # What its author is told now: a person's decision, not the rule that may
                # have held it first (a trashed comment keeps its own, see privacy.py).
                sent_back["moderation_reason"] = Case(
                    When(status=self.model.Status.TRASH, then=F("moderation_reason")),
                    default=Value(SENT_BACK),
                )
            self.model.objects.filter(pk__in=ids).update(
                **sent_back,
                status=status,
                # Remember what a trashed comment was, so restoring puts it back.
                trashed_from=F("status") if status == self.model.Status.TRASH else Value(""),
                approved_by_moderator=(
                    Value(True)
                    if status == self.model.Status.APPROVED
                    else F("approved_by_moderator")
                ),
                updated_at=Now(),
            )
            if status == self.model.Status.APPROVED:
                # Made again from the words approved now: a card made earlier (before
                # the comment was held, then edited) may show other words.
                self.model.objects.filter(pk__in=ids).refresh_cards()
            refresh_discussion({article_id for _, article_id in changed})
        return ids

    def refresh_cards(self) -> None:
        """Render these comments' cards again (after a change that skipped save())."""
        comments = list(self.select_related(None))
        for comment in comments:
            comment.html = comment_card(comment)
        self.model.objects.bulk_update(comments, ["html"], batch_size=500)

    def restore(self) -> int:
        """Take comments out of the trash, back to the status they had before."""
        trashed = self.filter(status=self.model.Status.TRASH, deleted_by_author=False)
        article_ids = set(trashed.values_list("article_id", flat=True))
        with transaction.atomic():
            restored = trashed.update(
                status=Case(
                    When(trashed_from="", then=Value(self.model.Status.PENDING)),
                    default=F("trashed_from"),
                ),
                trashed_from="",
                updated_at=Now(),
            )
            refresh_discussion(article_ids)
        return restored


def refresh_discussion(article_ids) -> None:
    """Recount approved comments on these articles and stamp the change.

    The article row carries its approved-comment count and the time its
    discussion last changed, so listing pages need no join and the article
    page's caches and ETag change exactly when the discussion does. Counting
    (not incrementing) after locking the rows keeps concurrent writers right:
    each recount starts after the previous one committed and sees its comment.
    """
    ids = sorted(article_ids)
    if not ids:
        return
    comment = apps.get_model("comments", "Comment")
    approved = (
        comment.objects.filter(article=OuterRef("pk"), status=comment.Status.APPROVED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    with transaction.atomic():
        list(Article.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        Article.objects.filter(pk__in=ids).update(
            comment_count=Coalesce(Subquery(approved), 0), discussion_updated_at=Now()
        )
    invalidate()


def approved_thread(article) -> list[ApprovedComment]:
    """An article's approved comments as its thread shows them, each with its card: the
    article page's biggest read, compiled once (operations/compiled.py).

    A card is made when a comment is saved or approved; one found missing (a change
    made by a bare UPDATE) is made here from the comment's full record, and not
    written back: reading a page writes nothing. A comment deleted between the two
    reads is left out, as if read a moment later: its replies hang under "This comment
    was removed."
    """
    approved = [ApprovedComment(*row) for row in _APPROVED_THREAD.rows(article=article.pk)]
    if without_card := {comment.pk: comment for comment in approved if not comment.html}:
        model = apps.get_model("comments", "Comment")
        for full in model.objects.approved().filter(pk__in=without_card).for_thread():
            without_card[full.pk].html = comment_card(full)
        approved = [comment for comment in approved if comment.html]
    return approved


_APPROVED_THREAD = Compiled(
    lambda article: (
        apps.get_model("comments", "Comment")
        .objects.approved()
        .filter(article_id=article)
        .values_list(*ApprovedComment.FIELDS)
    ),
    article=int,
)
