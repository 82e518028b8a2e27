import re

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import get_text_list
from django.views.decorators.http import require_POST
from markdownx.admin import MarkdownxModelAdmin
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.images import clean_image
from articles.models import Article, FormerSlug, Tag, public_name, recovering
from articles.previews import PREVIEW_LINK_DAYS, preview_url
from articles.rendering import images_elsewhere, render_preview, undescribed_images
from operations.limits import over

UPLOADS_PER_HOUR = 60
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # linear: no two ways to match a character


class ArticleForm(forms.ModelForm):
    stop_previews = forms.BooleanField(
        required=False,
        label="Stop the preview links given so far",
        help_text="Saving gives a new link; the ones sent before no longer work.",
    )

    # The article's latest version (History) when this page was opened: a save over a
    # later one, another editor's or another tab's, is stopped once (see clean()).
    opened_on = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Article
        fields = [
            "title", "slug", "dek", "body", "cover_image", "cover_alt",
            "status", "published_at", "author", "tags", "allow_comments",
        ]  # fmt: skip
        help_texts = {
            "title": "Up to 200 characters.",
            "published_at": f"Empty: now, when published. A future date schedules the "
            f"article. Times are in {settings.TIME_ZONE}.",
        }
        error_messages = {
            "slug": {
                "unique": "Another article already has this address: choose another slug, "
                "such as this one with -2 at its end."
            },
            "cover_image": {
                "invalid_image": "This file is not an image we can use: upload a JPEG, PNG, "
                "WebP or GIF."
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            latest = _latest_version(self.instance)
            # 0: none yet (an article loaded or imported, never saved here).
            self.initial["opened_on"] = latest.pk if latest else 0

    def clean(self):
        data = super().clean()
        opened_on = data.get("opened_on")  # None: a client that sends no such field
        known = self.instance.pk and opened_on is not None
        latest = _latest_version(self.instance) if known else None
        if latest and latest.pk != opened_on:
            # Shown again, the page carries that version: saving again keeps these words.
            self.data = self.data.copy()
            self.data[self.add_prefix("opened_on")] = str(latest.pk)
            who = latest.revision.user
            raise forms.ValidationError(
                f"{who.get_full_name() or who.username if who else 'Someone'} saved this "
                f"article at {short_date(latest.revision.date_created)}, after you opened "
                "it: saving now would undo their changes. Your version is below, not saved. "
                "Compare it with theirs in History (open it in another tab), then save "
                "again to keep yours."
            )
        return data

    def clean_slug(self):
        """A new slug as the help text says: what readers type and share, one way only
        (Django's slugs take capitals and underscores: "Heat" and "heat" both)."""
        slug = self.cleaned_data["slug"]
        if slug != self.initial.get("slug") and not _SLUG.fullmatch(slug):
            raise forms.ValidationError(
                "Use lowercase letters and digits, with single hyphens between words, "
                "such as heat-1995."
            )
        return slug

    def clean_cover_image(self):
        image = self.cleaned_data.get("cover_image")
        if image and image != self.initial.get("cover_image"):
            image = clean_image(image)
        return image

    def full_clean(self):
        super().full_clean()
        # A browser sends a chosen file once: shown again after an error elsewhere, the
        # form has an empty file field, and saving it then would drop the cover unnoticed.
        chosen = self.files.get("cover_image")
        if self.errors and chosen and "cover_image" not in self.errors:
            self.add_error(
                "cover_image",
                f"Choose {chosen.name} again when you save: a file chosen before "
                "a mistake elsewhere on the page is not kept.",
            )


def _latest_version(article) -> Version | None:
    return Version.objects.get_for_object(article).select_related("revision__user").first()


class StateFilter(admin.SimpleListFilter):
    """Draft, scheduled or published: as the status column says (a scheduled article is
    stored as published, with a date still to come)."""

    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        now = timezone.now()
        published = Q(status=Article.Status.PUBLISHED)
        return {
            "draft": queryset.filter(status=Article.Status.DRAFT),
            "scheduled": queryset.filter(published, published_at__gt=now),
            "published": queryset.filter(published, published_at__lte=now),
        }.get(self.value(), queryset)


class TagFilter(admin.RelatedOnlyFieldListFilter):
    """The tags articles have, and "No tags" (Django's "-") for those with none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_value_display = "No tags"


def _say_in_history(comment: str) -> None:
    """What the versions a bulk action saves say in History (its Action column)."""
    if reversion.is_active():
        reversion.set_comment(comment)


def counted(queryset, n: int) -> str:
    """ "1 article", "3 comments": how many of a list's items an action changed."""
    return f"{n} {model_ngettext(queryset, n)}"


@admin.action(
    description="Publish selected articles (now, or at their scheduled time)",
    permissions=["change"],
)
def publish(modeladmin, request, queryset):
    drafts = list(queryset.filter(status=Article.Status.DRAFT))
    _say_in_history("Published from the list of articles.")
    for article in drafts:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.published_at or timezone.now()
        article.save()
    scheduled = sum(not article.is_published() for article in drafts)  # a date still to come
    said = f"{counted(queryset, len(drafts) - scheduled)} published."
    if scheduled:
        their = "its" if scheduled == 1 else "their"
        said += f" {counted(queryset, scheduled)} scheduled: out on {their} date."
    modeladmin.message_user(request, said, messages.SUCCESS)


@admin.action(description="Unpublish selected articles (back to draft)", permissions=["change"])
def unpublish(modeladmin, request, queryset):
    published = list(queryset.filter(status=Article.Status.PUBLISHED))
    _say_in_history("Unpublished from the list of articles (back to draft).")
    for article in published:
        article.status = Article.Status.DRAFT
        article.save()
    modeladmin.message_user(
        request, f"{counted(queryset, len(published))} unpublished.", messages.SUCCESS
    )


@admin.register(Article)
class ArticleAdmin(VersionAdmin, MarkdownxModelAdmin):
    """The editor's desk: write with a live preview, schedule, publish, look back.

    History comes from django-reversion: every save through the admin stores a
    version; "History" lists them and any one can be viewed and restored.
    """

    form = ArticleForm
    list_display = ["title", "status_label", "published", "updated"]
    list_filter = [StateFilter, "published_at", ("tags", TagFilter)]
    search_fields = ["title", "dek", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    list_select_related = ["author"]
    autocomplete_fields = ["tags"]
    actions = [publish, unpublish]
    save_on_top = True
    readonly_fields = ["preview_link"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "body", "opened_on"]}),
        ("Cover image", {"fields": ["cover_image", "cover_alt"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "published_at",
                    "preview_link",
                    "stop_previews",
                    "author",
                    "tags",
                    "allow_comments",
                ],
                "description": "A published article with a future date is scheduled: "
                "readers see it from that moment, no other step needed.",
            },
        ),
    ]

    # Other apps plug in here, explicitly, without articles knowing them: each
    # extension may add list columns, read-only fields in a fieldset of its own,
    # annotations the columns sort by (comments/admin.py adds the discussion) and
    # inlines (followers/admin.py adds the mailing to followers); and may name the
    # ``permission`` a person needs to see any of it (analytics/admin.py: readers), or a
    # tuple of permissions any one of which will do (comments/admin.py).
    extensions: list = []

    def get_list_display(self, request):
        return [*super().get_list_display(request), *self._extended(request, "columns")]

    def get_inlines(self, request, obj=None):
        return [*super().get_inlines(request, obj), *self._extended(request, "inlines")]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self._extended(request, "fields")]

    def get_fieldsets(self, request, obj=None):
        plugged = [(e.title, {"fields": e.fields}) for e in self._shown(request) if e.fields]
        fieldsets = [*super().get_fieldsets(request, obj), *plugged]
        left_out = set()
        if obj is None or obj.is_published():  # no preview links to stop
            left_out.add("stop_previews")
        if obj is None or not self.has_change_permission(request, obj):  # nothing to save over
            left_out.add("opened_on")
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in left_out]})
            for name, opts in fieldsets
        ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for extension in self._shown(request):
            queryset = getattr(extension, "annotate", lambda q: q)(queryset)
        return queryset

    def _shown(self, request) -> list:
        """The extensions this person may see (``permission``: one, or a tuple of any)."""

        def allowed(extension) -> bool:
            needed = getattr(extension, "permission", ())
            needed = (needed,) if isinstance(needed, str) else needed
            return not needed or any(request.user.has_perm(p) for p in needed)

        return [e for e in self.extensions if allowed(e)]

    def _extended(self, request, name: str) -> list:
        return [item for e in self._shown(request) for item in getattr(e, name, [])]

    class Media:
        css = {"all": ["editor/editor.css"]}
        js = ["editor/unsaved.js", "editor/editor.js"]

    # Dates short and on one line: the list also carries comments and readers' columns.
    @admin.display(description="published", ordering="published_at")
    def published(self, article):
        return short_date(article.published_at)

    @admin.display(description="last changed", ordering="updated_at")
    def updated(self, article):
        return short_date(article.updated_at)

    @admin.display(description="Preview link")
    def preview_link(self, article):
        """A link to show the article before it is published, to people without an account."""
        if article is None or article.pk is None:
            return "Save the article to get a link that shows it to people without an account."
        if article.is_published():
            return "Published: its own address is public."
        url = preview_url(article)
        return format_html(
            '<a href="{}" class="preview-link">{}</a><div class="help">For people without an '
            "account: anyone with this link can read the article as it is when they open it, "
            "for {} days, until it is published (then it leads to the article).</div>",
            url, url, PREVIEW_LINK_DAYS,
        )  # fmt: skip

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            return f"Scheduled for {short_date(article.published_at)}"
        return article.get_status_display()

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("stop_previews"):
            obj.preview_key = ""  # a new one is made when the link is next shown
        super().save_model(request, obj, form, change)
        if not obj.author.get_full_name():
            self.message_user(
                request,
                f"Readers see “{public_name(obj.author)}” as this article’s author: give "
                f"the user {obj.author.get_username()} a first and last name (Users) to sign it.",
                messages.WARNING,
            )
        if count := undescribed_images(obj.body_html):
            images = "An image has" if count == 1 else f"{count} images have"
            them = "it" if count == 1 else "them"
            self.message_user(
                request,
                f"{images} no description for readers who can't see {them}: write it "
                "between the square brackets, as in ![Neil at the diner](…).",
                messages.WARNING,
            )
        if left_out := getattr(obj, "left_out_tags", ()):
            tags = get_text_list([f"<{tag}>" for tag in left_out], "and")
            self.message_user(
                request,
                f"The page leaves out HTML it can’t show safely: {tags}, and what is inside "
                "it. To show such code as written, put it between backticks: `<script>`.",
                messages.WARNING,
            )
        before = FormerSlug.objects.filter(slug=obj.slug, article__in=Article.objects.published())
        if before := before.exclude(article=obj).select_related("article").first():
            address = f"/articles/{obj.slug}/"
            self.message_user(
                request,
                f"{address} used to be the address of “{before.article.title}”: links to it "
                + (
                    "lead here now."
                    if obj.is_published()
                    else "lead there until this article is published, then here."
                ),
                messages.WARNING,
            )
        if hosts := images_elsewhere(obj.body_html):
            where = get_text_list(hosts, "and")
            self.message_user(
                request,
                f"Readers won’t see the images from {where}: to keep their visits private, "
                "pages show images from this site only. Save each one and add it "
                "with “Insert image…”.",
                messages.WARNING,
            )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """An old version, unless its slug is another article's now: opening it would put
        that slug back and fail ("missing dependency"); say whose it is instead."""
        article = self.get_object(request, object_id)
        if article is not None and not self.has_change_permission(request, article):
            raise PermissionDenied  # before saying anything about other articles
        version = Version.objects.filter(pk=version_id, object_id=object_id).first()
        slug = version.field_dict.get("slug") if version else None
        holder = Article.objects.filter(slug=slug).exclude(pk=object_id).first() if slug else None
        if holder is not None:
            self.message_user(
                request,
                f"This version’s address, /articles/{slug}/, is “{holder.title}”’s now: "
                "give that article another slug to open this version, or change the "
                "slug here by hand.",
                messages.ERROR,
            )
            return redirect("admin:articles_article_history", object_id)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        """A deleted article brought back (see ``recovering``)."""
        token = recovering.set(True)
        try:
            return super().recover_view(request, version_id, extra_context)
        finally:
            recovering.reset(token)

    def reversion_register(self, model, **kwargs):
        if model is Article:  # restoring an old version must not revive stopped links
            kwargs["exclude"] = ("preview_key",)
        super().reversion_register(model, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_urls(self):
        editor = [
            path("markdownify/", self.admin_site.admin_view(self.markdownify), name="markdownify"),
            path("upload/", self.admin_site.admin_view(self.upload_image), name="upload"),
        ]
        return editor + super().get_urls()

    # admin_view only checks is_staff: a comment moderator is staff too, and must not
    # get a preview renderer or unlimited file storage out of the editor's endpoints.
    @method_decorator(require_POST)
    def markdownify(self, request):
        """Markdownx's live preview, rendered and sanitised like the public page."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        return HttpResponse(render_preview(request.POST.get("content", "")))

    @method_decorator(require_POST)
    def upload_image(self, request):
        """Image upload from the editor: a validated image, or a message for the editor."""
        if not self.has_change_permission(request):
            message = "Only editors who can change articles can upload images."
            return JsonResponse({"error": message}, status=403)
        if over(f"uploads:{request.user.pk}", UPLOADS_PER_HOUR, 60 * 60):
            message = (
                f"You have uploaded {UPLOADS_PER_HOUR} images in the last hour, "
                "the most we accept. Please try again later."
            )
            return JsonResponse({"error": message}, status=429)
        upload = request.FILES.get("image")
        if upload is None:
            return JsonResponse({"error": "Choose an image file to upload."}, status=400)
        try:
            image = clean_image(upload)
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        name = default_storage.save(f"uploads/{image.name}", image)
        return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})


def short_date(moment) -> str:
    """A date as Django writes one on the admin's own pages (heatblog/formats)."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
