from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator

from articles.admin import ArticleAdmin, counted, short_date
from comments import tasks
from comments.models import Comment, ModerationKeyword, Subscriber
from comments.privacy import REMOVED, SHOWN_OR_AWAITED, remove, status_label

MODERATION_ACTIONS = {
    "approve": (Comment.Status.APPROVED, "approved"),
    "unapprove": (Comment.Status.PENDING, "sent back to moderation"),
    "spam": (Comment.Status.SPAM, "marked as spam"),
    "trash": (Comment.Status.TRASH, "moved to the trash"),
}


def moderate(queryset, status: str) -> list[int]:
    """A moderator's decision on these comments, and what it sets off (reply mails)."""
    changed = queryset.set_status(status)
    if status == Comment.Status.APPROVED:
        tasks.comments_approved(changed)
    return changed


# What no moderator's action does to a comment its author deleted (trash and spam do).
KEPT_FROM_DELETED = (Comment.Status.APPROVED, Comment.Status.PENDING)


def _kept_deleted(modeladmin, request, queryset) -> None:
    """Say so when a bulk action swept up deleted comments (left as they are): by their
    authors, or emptied by a moderator and kept for their replies."""
    deleted = queryset.filter(deleted_by_author=True)
    emptied = deleted.filter(moderation_reason=REMOVED).count()
    if by_authors := deleted.count() - emptied:
        modeladmin.message_user(
            request,
            "1 comment its author deleted stays deleted."
            if by_authors == 1
            else f"{by_authors} comments their authors deleted stay deleted.",
            messages.WARNING,
        )
    if emptied:
        modeladmin.message_user(
            request,
            f"{counted(queryset, emptied)} deleted and kept for replies "
            f"{'stays' if emptied == 1 else 'stay'} deleted.",
            messages.WARNING,
        )


def _moderation_action(name, status, done):
    def action(modeladmin, request, queryset):
        changed = moderate(queryset, status)
        modeladmin.message_user(
            request, f"{counted(queryset, len(changed))} {done}.", messages.SUCCESS
        )
        if status in KEPT_FROM_DELETED:
            _kept_deleted(modeladmin, request, queryset)

    action.__name__ = f"mark_{name}"
    description = f"{name.capitalize()} selected comments"
    return admin.action(description=description, permissions=["change"])(action)


@admin.action(description="Restore selected comments from the trash", permissions=["change"])
def restore(modeladmin, request, queryset):
    restored = queryset.restore()
    modeladmin.message_user(request, f"{counted(queryset, restored)} restored.", messages.SUCCESS)
    _kept_deleted(modeladmin, request, queryset)


class DeletedFilter(admin.SimpleListFilter):
    """Deleted comments, as the status column names them: by their authors, or by a
    moderator and kept for their replies (both are marked deleted_by_author)."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("author", "By its author"), ("kept", "By a moderator, kept for its replies")]

    def queryset(self, request, queryset):
        deleted = queryset.filter(deleted_by_author=True)
        if self.value() == "author":
            return deleted.exclude(moderation_reason=REMOVED)
        if self.value() == "kept":
            return deleted.filter(moderation_reason=REMOVED)
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "name", "shown_status", "on_article", "written", "ip_address"]
    list_display_links = ["excerpt"]
    list_filter = ["status", DeletedFilter, "article"]
    list_select_related = ["article"]
    search_fields = ["name", "email", "text", "ip_address"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]  # the newest first, as moderators work through them
    actions = [
        *(_moderation_action(name, *spec) for name, spec in MODERATION_ACTIONS.items()),
        restore,
    ]
    readonly_fields = [
        "article", "parent", "moderation_reason", "approved_by_moderator", "ip_address",
        "user_agent", "user", "created_at", "updated_at", "on_site",
    ]  # fmt: skip
    fields = [
        "article", "parent", "status", "moderation_reason", "approved_by_moderator", "name",
        "email", "website", "text", "notify", "user", "ip_address", "user_agent", "created_at",
        "updated_at", "on_site",
    ]  # fmt: skip

    class Media:
        css = {"all": ["comments/admin.css"]}

    @admin.display(description="written", ordering="created_at")
    def written(self, comment):
        return short_date(comment.created_at)  # on one line: the list has many columns

    def get_list_display(self, request):
        """The list's columns, with one-click moderation beside each comment, as in a mail:
        buttons of the list's own form (its CSRF token) posting to that comment's
        moderation page, which brings the moderator back to this very list."""
        back = request.get_full_path()

        @admin.display(description="moderate")
        def moderate_buttons(comment):
            buttons = [
                (
                    reverse("admin:comments_comment_moderate", args=[comment.pk, action])
                    + "?"
                    + urlencode({"back": back}),
                    label,
                )
                for action, label in ROW_ACTIONS
                if MODERATION_ACTIONS[action][0] != comment.status
                and not (comment.deleted_by_author and action == "approve")
            ]
            html = format_html_join(" ", ROW_BUTTON, buttons)
            if reply := _reply_url(comment):
                html += format_html(' <a class="button" href="{}">Reply</a>', reply)
            return html

        first, *rest = super().get_list_display(request)
        if not self.has_change_permission(request):  # may only look: no buttons that can't work
            return [first, *rest]
        return [first, moderate_buttons, *rest]

    @admin.display(description="article", ordering="article__title")
    def on_article(self, comment):
        return Truncator(comment.article.title).chars(40)

    @admin.display(description="comment")
    def excerpt(self, comment):
        return Truncator(comment.text).chars(80)

    @admin.display(description="status", ordering="status")
    def shown_status(self, comment):
        return status_label(comment)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.deleted_by_author:
            return [*fields, "status"]  # what its author deleted, no moderator publishes
        return fields

    @admin.display(description="on the site")
    def on_site(self, comment):
        if comment.status != Comment.Status.APPROVED:
            return "Not visible to readers"
        view = format_html('<a href="{}">{}</a>', comment.get_absolute_url(), "View comment")
        if reply := _reply_url(comment):
            view += format_html(' · <a href="{}">Reply on the site</a>', reply)
        return view

    def view_on_site(self, comment):
        """ "View on site" only where readers see it: a held comment's address leads
        staff back here, and spam or trash has none."""
        if comment.status != Comment.Status.APPROVED or not comment.article.is_published():
            return None
        return comment.get_absolute_url()

    def has_add_permission(self, request):
        return False  # comments come from readers; staff reply on the site

    def save_model(self, request, obj, form, change):
        new_status = obj.status
        if change and Comment.objects.filter(pk=obj.pk, deleted_by_author=True).exists():
            # Deleted by its author while this page was open: saving the page's copy
            # would bring it back.
            emptied = Comment.objects.filter(pk=obj.pk, moderation_reason=REMOVED).exists()
            who = "It was deleted" if emptied else "Its author deleted this comment"
            self.message_user(
                request,
                f"{who} while you had it open: it stays deleted, and your changes were not saved.",
                messages.WARNING,
            )
            request.comment_kept_deleted = True  # and no "changed successfully" after it
            return
        if change and "status" in form.changed_data:
            # Go through set_status so counts, trash memory and reply mails stay right.
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            moderate(Comment.objects.filter(pk=obj.pk), new_status)
        else:
            super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        if getattr(request, "comment_kept_deleted", False):
            return redirect("admin:comments_comment_change", obj.pk)
        return super().response_change(request, obj)

    def delete_queryset(self, request, queryset):
        _, emptied = remove(queryset)
        if emptied:
            whose = "its author's" if emptied == 1 else "their authors'"
            self.message_user(
                request,
                f"{counted(queryset, emptied)} had replies: they stay, under “This comment "
                f"was removed.” The words and {whose} details are gone.",
                messages.INFO,
            )

    def delete_model(self, request, obj):
        self.delete_queryset(request, Comment.objects.filter(pk=obj.pk))

    def get_deleted_objects(self, objs, request):
        """What the confirmation page lists: the chosen comments alone. Not Django's
        walk of the cascade (one level per reply: a chain of hundreds hit Python's
        recursion limit), nor the replies it would find, which stay
        (comments.privacy.remove)."""
        chosen = [obj.pk for obj in objs]
        answered = set(
            Comment.objects.filter(parent__in=chosen, status__in=SHOWN_OR_AWAITED)
            .exclude(pk__in=chosen)
            .values_list("parent_id", flat=True)
        )
        listed = [
            f"Comment: {obj}"
            + (" (its replies stay, under “This comment was removed.”)" if obj.pk in answered
               else "")
            for obj in objs
        ]  # fmt: skip
        allowed = all(self.has_delete_permission(request, obj) for obj in objs)
        perms_needed = set() if allowed else {Comment._meta.verbose_name}
        return listed, {Comment._meta.verbose_name_plural: len(listed)}, perms_needed, []

    def get_urls(self):
        moderate = path(
            "<int:pk>/moderate/<str:action>/",
            self.admin_site.admin_view(self.moderate_view),
            name="comments_comment_moderate",
        )
        return [moderate, *super().get_urls()]

    def moderate_view(self, request, pk, action):
        """Where the links in moderation mails lead: a confirmation, then the change."""
        comment = Comment.objects.select_related("article").filter(pk=pk).first()
        if comment is None:  # deleted by another moderator since the mail was sent
            self.message_user(
                request,
                "That comment is no longer here: another moderator may have deleted it.",
                messages.WARNING,
            )
            return redirect("admin:comments_comment_changelist")
        if action not in MODERATION_ACTIONS:
            return redirect("admin:comments_comment_change", pk)
        if not self.has_change_permission(request, comment):
            if not self.has_view_permission(request, comment):
                raise PermissionDenied
            self.message_user(
                request, "Your account may look at comments, not moderate them.", messages.ERROR
            )
            return redirect("admin:comments_comment_change", pk)
        status, done = MODERATION_ACTIONS[action]
        if comment.status == status:  # a mail link followed again, or by a second moderator
            self.message_user(request, f"This comment was already {done}.", messages.INFO)
            return redirect("admin:comments_comment_change", pk)
        if comment.deleted_by_author and status in KEPT_FROM_DELETED:
            self.message_user(
                request, "Its author deleted this comment: it stays deleted.", messages.WARNING
            )
            return redirect("admin:comments_comment_change", pk)
        if request.method == "POST":
            moderate(Comment.objects.filter(pk=pk), status)
            self.message_user(request, f"The comment was {done}.", messages.SUCCESS)
            return redirect(_changelist_or_pending(request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "comment": comment,
            "action": action,
            "title": f"{action.capitalize()} this comment?",
        }
        return TemplateResponse(request, "admin/comments/moderate.html", context)


ROW_ACTIONS = (("approve", "Approve"), ("spam", "Spam"), ("trash", "Trash"))
ROW_BUTTON = '<button type="submit" class="button" formaction="{}" formmethod="post">{}</button>'


def _reply_url(comment) -> str:
    """Where staff reply to a comment: its article's own form, as themselves (a staff
    reply is published at once and marked Author). Only for comments readers see."""
    if comment.status != Comment.Status.APPROVED or not comment.article.is_published():
        return ""
    return f"{comment.article.get_absolute_url()}?replytocom={comment.pk}#respond"


def _changelist_or_pending(request) -> str:
    """Where a moderation brings the moderator back: the comment list they came from
    (a row's button), else the comments waiting for them."""
    changelist = reverse("admin:comments_comment_changelist")
    back = request.GET.get("back", "")
    if back.startswith(changelist) and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return back
    return changelist + "?status__exact=pending"


@admin.register(ModerationKeyword)
class ModerationKeywordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "action", "created_at"]
    list_filter = ["action"]
    search_fields = ["phrase"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "unsubscribed_at", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["confirmation_sent_at", "created_at"]


@admin.display(description="comments", ordering="comment_count")
def approved_comments(article):
    url = comments_of(article, Comment.Status.APPROVED)
    return format_html('<a href="{}">{}</a>', url, article.comment_count)


@admin.display(description="pending", ordering="pending")
def pending_comments(article):
    if not article.pending:
        return "0"
    url = comments_of(article, Comment.Status.PENDING)
    return format_html('<a href="{}"><b>{}</b></a>', url, article.pending)


@admin.display(description="comments")
def discussion(article):
    if article.pk is None:
        return "No comments yet."
    return format_html(
        '<a href="{}">{} approved</a> · <a href="{}">{} awaiting moderation</a> · '
        '<a href="{}">all comments on this article</a>',
        comments_of(article, Comment.Status.APPROVED),
        article.comment_count,
        comments_of(article, Comment.Status.PENDING),
        article.comments.in_moderation().count(),
        comments_of(article),
    )


class ArticleDiscussion:
    """The discussion in the article admin: counts in the list, links on the change page.

    Plugged into articles.admin.ArticleAdmin.extensions below.
    """

    title = "Discussion"
    # Its figures link to the comment list: shown to those the admin shows comments to.
    permission = ("comments.view_comment", "comments.change_comment")
    columns = [approved_comments, pending_comments]
    fields = [discussion]

    @staticmethod
    def annotate(queryset):
        pending = Count("comments", filter=Q(comments__status=Comment.Status.PENDING))
        return queryset.annotate(pending=pending)


def comments_of(article, status=None) -> str:
    """The comment list in the admin, filtered to one article (and status)."""
    query = {"article__id__exact": article.pk}
    if status:
        query["status__exact"] = status
    return f"{reverse('admin:comments_comment_changelist')}?{urlencode(query)}"


ArticleAdmin.extensions.append(ArticleDiscussion())
