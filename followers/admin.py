"""Following by email in the admin: followers (counts, search, CSV), each article's
mailing (choices, progress, a test to oneself, retrying failures)."""

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from articles.admin import ArticleAdmin
from articles.models import recovering
from followers import sending, tasks
from followers.models import Follower, Mailing
from operations.spreadsheets import cell

CSV_FIELDS = ["email", "status", "created_at", "confirmed_at", "unsubscribed_at",
              "unsubscribed_because", "hard_bounces", "last_bounce"]  # fmt: skip


class FollowerStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("confirmed", "Confirmed"), ("pending", "Pending"),
                ("unsubscribed", "Unsubscribed")]  # fmt: skip

    def queryset(self, request, queryset):
        if self.value() in {"confirmed", "pending", "unsubscribed"}:
            return getattr(queryset, self.value())()
        return queryset


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    """Followers, to look at, export or forget (delete), never to edit: an address
    follows only by confirming it is theirs and leaves by its own click or bounces, so
    no editor can subscribe, move or re-subscribe one."""

    list_display = ["email", "status", "created_at", "confirmed_at", "hard_bounces"]
    list_filter = [FollowerStatusFilter, "unsubscribed_because"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    fields = ["email", "created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at",
              "unsubscribed_because", "hard_bounces", "last_bounce"]  # fmt: skip

    def has_add_permission(self, request):
        return False  # an address follows only by confirming it is theirs

    def has_change_permission(self, request, obj=None):
        return False  # every field is the reader's own doing (double opt-in)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "counts": Follower.objects.counts()}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        export = path("export.csv", self.admin_site.admin_view(self.export_csv),
                      name="followers_follower_export")  # fmt: skip
        return [export, *super().get_urls()]

    def export_csv(self, request):
        """The followers the list shows (its filters and search), as CSV, streamed."""
        if not self.has_view_permission(request):
            return redirect("admin:index")
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).order_by("pk").iterator(chunk_size=2000)
        lines = _CSVLines()

        def stream():
            yield lines.write(CSV_FIELDS)
            for follower in rows:
                yield lines.write([cell(_text(getattr(follower, name))) for name in CSV_FIELDS])

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="followers.csv"'
        return response


class _CSVLines:
    """csv.writer's output, one line at a time, for a streamed response."""

    def __init__(self):
        self._writer = csv.writer(self)
        self._line = ""

    def write(self, row):
        if isinstance(row, str):  # called back by csv.writer
            self._line = row
            return None
        self._writer.writerow(row)
        return self._line


def _text(value) -> str:
    return "" if value is None else str(value)


class _MailingFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        # The article's first save already made its mailing (followers/apps.py).
        choices = {name: form.cleaned_data[name] for name in ("send_to_followers", "full_text")}
        mailing, _ = Mailing.objects.update_or_create(article=self.instance, defaults=choices)
        return mailing

    request = None  # set by MailingInline.get_formset: whom to tell

    def save(self, commit=True):
        saved = super().save(commit)
        if mailing := Mailing.objects.filter(article=self.instance).first():
            tasks.start_if_due(mailing)  # e.g. sending switched on for a published article
            if self._left_ticked_but_off(mailing):
                dated = timezone.localtime(self.instance.published_at)
                messages.warning(
                    self.request,
                    f"Not emailed to followers: it is dated {date_format(dated, 'DATETIME_FORMAT')}"
                    ", before it was saved, so it is taken for older writing. To send it "
                    "anyway, tick “Email it to followers” and save again.",
                )
        return saved

    def _left_ticked_but_off(self, mailing) -> bool:
        """Was the box ticked on the add page, and a back-dated article not sent for it
        (followers/tasks.py: only new writing is mailed by default)?"""
        asked = any(form.cleaned_data.get("send_to_followers") for form in self.extra_forms)
        return bool(self.request and asked and not mailing.send_to_followers)


class MailingInline(admin.StackedInline):
    model = Mailing
    formset = _MailingFormSet
    verbose_name = verbose_name_plural = "Email to followers"
    fields = ["send_to_followers", "full_text", "progress"]
    readonly_fields = ["progress"]
    can_delete = False
    max_num = min_num = 1
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset

    def get_readonly_fields(self, request, obj=None):
        mailing = Mailing.objects.filter(article=obj).first() if obj and obj.pk else None
        if mailing and mailing.started_at:
            return ["send_to_followers", "full_text", "progress"]
        return self.readonly_fields

    @admin.display(description="progress")
    def progress(self, mailing):
        if mailing.pk is None:
            return "Save the article first; then you can send yourself a test."
        return progress_html(mailing)


def progress_html(mailing: Mailing) -> str:
    test = reverse("admin:followers_mailing_test", args=[mailing.pk])
    links = [(test, "Send a test to myself")]
    if not mailing.started_at:
        status = "Not sent yet: it goes out once the article is published."
        if mailing.article.is_scheduled:
            when = date_format(timezone.localtime(mailing.article.published_at), "DATETIME_FORMAT")
            status = f"Not sent yet: it goes out when the article is published, {when}."
        if mailing.article.is_published():
            status = "Starting: the task worker is sending it now (reload to see progress)."
        if not mailing.send_to_followers:
            status = "Not sent: sending is off for this article."
        return format_html('{} · <a href="{}">{}</a>', status, *links[0])
    counts = sending.progress(mailing)
    if counts["failed"] or counts["interrupted"]:
        retry = reverse("admin:followers_mailing_retry", args=[mailing.pk])
        links.append((retry, "Retry failures…"))
    started = format_html("Started {}: ", date_format(timezone.localtime(mailing.started_at),
                                                      "DATETIME_FORMAT"))  # fmt: skip
    figures = format_html_join(
        " · ", '<span class="mailing-{}"><b>{}</b> {}</span>',
        ((name, counts[name], name) for name in ("queued", "sending", "sent", "failed",
                                                  "interrupted", "skipped") if counts[name]
         or name in ("queued", "sent", "failed")),
    )  # fmt: skip
    actions = format_html_join(" · ", '<a href="{}">{}</a>', links)
    return format_html("{}{}<br>{}", started, figures, actions)


class ArticleMailing:
    """The mailing in the article admin: choices and progress (ArticleAdmin.extensions)."""

    fields: list = []  # no fieldset of its own: the mailing is an inline

    @property
    def inlines(self) -> list:
        # Not on the page recovering a deleted article: it is not mailed again by default
        # (followers/tasks.py), and a ticked box would say otherwise; its change page has it.
        return [] if recovering.get() else [MailingInline]


# The admin pages that delete articles: the article's own, and the list's bulk action.
ARTICLE_DELETING_PAGES = ("articles_article_delete", "articles_article_changelist")


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    """Every article's mailing, newest first, with progress; and the test and retry pages."""

    list_display = ["article", "send_to_followers", "full_text", "started_at", "progress"]
    list_select_related = ["article"]
    list_filter = ["send_to_followers", "full_text"]
    search_fields = ["article__title"]
    ordering = ["-started_at", "-pk"]
    fields = ["article", "send_to_followers", "full_text", "started_at", "progress"]
    readonly_fields = ["article", "started_at", "progress"]

    def has_add_permission(self, request):
        return False  # every article has its mailing

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.started_at:  # as in the article's inline: sent is sent
            return [*self.readonly_fields, "send_to_followers", "full_text"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        """Only with its article: deleted alone, it would forget who was sent the article,
        which would then be mailed again. The article's delete page (one or a selection)
        takes the mailing with it."""
        match = getattr(request, "resolver_match", None)
        with_its_article = match is not None and match.url_name in ARTICLE_DELETING_PAGES
        return with_its_article and request.user.has_perm("articles.delete_article")

    @admin.display(description="progress")
    def progress(self, mailing):
        return progress_html(mailing)

    def get_urls(self):
        views = [
            path("<int:pk>/test/", self.admin_site.admin_view(self.test_view),
                 name="followers_mailing_test"),
            path("<int:pk>/retry/", self.admin_site.admin_view(self.retry_view),
                 name="followers_mailing_retry"),
        ]  # fmt: skip
        return [*views, *super().get_urls()]

    def test_view(self, request, pk):
        """A test of the mail to the editor's own address: GET asks, POST queues it."""
        mailing = self._mailing(request, pk)
        address = request.user.email
        if request.method == "POST" and address:
            tasks.send_test.enqueue(mailing.pk, address)
            self.message_user(request, f"A test is on its way to {address}.", messages.SUCCESS)
            return redirect("admin:articles_article_change", mailing.article_id)
        return self._confirm_page(request, mailing, "test", address=address)

    def retry_view(self, request, pk):
        """Queue failed (and, if chosen, interrupted) deliveries again: GET asks, POST does."""
        mailing = self._mailing(request, pk)
        if request.method == "POST":
            count = sending.requeue_failed(mailing, interrupted="interrupted" in request.POST)
            if count:
                tasks.send_batch.enqueue(mailing.pk)
            self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)
            return redirect("admin:articles_article_change", mailing.article_id)
        counts = sending.progress(mailing)
        return self._confirm_page(request, mailing, "retry", counts=counts)

    def _mailing(self, request, pk) -> Mailing:
        mailing = get_object_or_404(Mailing.objects.select_related("article"), pk=pk)
        if not self.has_change_permission(request, mailing):
            raise PermissionDenied
        return mailing

    def _confirm_page(self, request, mailing, action, **context):
        titles = {"test": "Send a test to yourself?", "retry": "Retry failed deliveries?"}
        context = {
            **self.admin_site.each_context(request),
            **context,
            "opts": self.opts,
            "mailing": mailing,
            "action": action,
            "title": titles[action],
        }
        return TemplateResponse(request, "admin/followers/mailing/confirm.html", context)


ArticleAdmin.extensions.append(ArticleMailing())
