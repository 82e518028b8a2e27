"""The "Leave a Comment" form. Every error a reader can cause is decided here."""

import re
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import URLValidator

from comments.models import Comment
from comments.moderation import Candidate, keywords

FORM_SALT = "comments.form"
DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"
# Control characters (tabs and newlines are fine in a comment) and, in one-line
# fields, the bidirectional overrides that can make a name read backwards.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _no_control_characters(pattern, what):
    def validate(value):
        if pattern.search(value):
            raise forms.ValidationError(
                f"Your {what} contains invisible control characters (such as NUL); "
                "please remove them."
            )

    return validate


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=65525,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": 65525}),
        validators=[_no_control_characters(CONTROL_IN_TEXT, "comment")],
        error_messages={
            "required": "Please write a comment.",
            "max_length": "Your comment is too long: it can be at most 65,525 characters "
            "(it has %(show_value)s).",
            "null_characters_not_allowed": "Your comment contains invisible control "
            "characters (such as NUL); please remove them.",
        },
    )
    name = forms.CharField(
        max_length=245,
        validators=[_no_control_characters(CONTROL_IN_LINE, "name")],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": "Please enter your name.",
            "max_length": "Your name can be at most 245 characters.",
            "null_characters_not_allowed": "Your name contains invisible control "
            "characters (such as NUL); please remove them.",
        },
    )
    email = forms.EmailField(
        max_length=100,
        help_text="Your email address will never be published.",
        validators=[_no_control_characters(CONTROL_IN_LINE, "email address")],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Please enter your email address; it will never be published.",
            "invalid": "Please enter a valid email address, like name@example.com.",
            "max_length": "Your email address can be at most 100 characters.",
            "null_characters_not_allowed": "Your email address contains invisible control "
            "characters (such as NUL); please remove them.",
        },
    )
    website = forms.URLField(
        max_length=200,
        required=False,
        assume_scheme="https",
        validators=[
            URLValidator(schemes=["http", "https"]),
            _no_control_characters(CONTROL_IN_LINE, "website"),
        ],
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        error_messages={
            "invalid": "Please enter a web address starting with http:// or https://, "
            "or leave the field empty.",
            "max_length": "Your website address can be at most 200 characters.",
            "null_characters_not_allowed": "Your website address contains invisible control "
            "characters (such as NUL); please remove them.",
        },
    )
    save_details = forms.BooleanField(
        required=False,
        label="Save my name, email, and website in this browser for the next time I comment.",
    )
    notify = forms.BooleanField(required=False, label="Notify me of replies by email")
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    # A field people never see (hidden by CSS and from screen readers); bots fill it in.
    contact_by_fax = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, article, *args, user=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.article = article
        self.user = user if user is not None and user.is_authenticated else None
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("stamp", self.new_stamp())
        if self.user is not None and self.user.is_staff:
            # Staff reply as themselves: their name and address come from their account.
            for name in ("name", "email", "website", "save_details"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()
        self.replying_to = None
        self.closed = False

    def new_stamp(self, *, ago: int = 0) -> str:
        return signing.dumps({"a": self.article.pk, "t": int(time.time()) - ago}, salt=FORM_SALT)

    def refresh_stamp(self) -> None:
        """Give a re-displayed form a fresh stamp the reader can submit at once."""
        self.data = self.data.copy()
        self.data["stamp"] = self.new_stamp(ago=settings.COMMENTS_MIN_SECONDS)

    @property
    def tripped_bot_trap(self) -> bool:
        return bool(self.is_bound and self.data.get("contact_by_fax"))

    def clean_name(self):
        if self._staff():
            return self.user.get_full_name() or self.user.get_username()
        return self.cleaned_data["name"]

    def clean_email(self):
        return self.user.email if self._staff() else self.cleaned_data["email"]

    def clean_website(self):
        return "" if self._staff() else self.cleaned_data["website"]

    def clean_parent(self):
        raw = self.cleaned_data["parent"].strip()
        if not raw:
            return None
        parent = None
        if raw.isdigit() and len(raw) < 19:
            parent = (
                Comment.objects.approved()
                .filter(article=self.article, pk=int(raw))
                .only("id", "name", "article_id", "email", "notify")
                .first()
            )
        if parent is None:
            raise forms.ValidationError(
                "The comment you are replying to is not available any more. "
                "Cancel the reply to post your comment on its own."
            )
        self.replying_to = parent
        return parent

    def clean_stamp(self):
        try:
            stamp = signing.loads(self.cleaned_data["stamp"], salt=FORM_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(
                "Part of the form was missing or changed. "
                "Your comment is still here: please send it again."
            ) from None
        if not isinstance(stamp, dict) or stamp.get("a") != self.article.pk:
            raise forms.ValidationError(
                "This form belongs to another article. Please send your comment again."
            )
        age = time.time() - stamp.get("t", 0)
        if age > settings.COMMENTS_FORM_MAX_AGE:
            raise forms.ValidationError(
                "This page was opened too long ago to post from. "
                "Your comment is still here: please send it again."
            )
        if age < settings.COMMENTS_MIN_SECONDS:
            raise forms.ValidationError(
                "That was quick! Please take a moment to check your comment, then send it again."
            )
        return stamp

    def clean(self):
        data = super().clean()
        text, email = data.get("text"), data.get("email")
        if (
            text
            and email
            and Comment.objects.filter(
                article=self.article,
                email__iexact=email,
                text=text,
                status__in=[Comment.Status.PENDING, Comment.Status.APPROVED],
            ).exists()
        ):
            raise forms.ValidationError(DUPLICATE, code="duplicate")
        return data

    def candidate(self, *, ip_address: str, user_agent: str, is_returning: bool) -> Candidate:
        """What the moderation rules need to know about this submission."""
        data = self.cleaned_data
        return Candidate(
            name=data["name"],
            email=data["email"],
            website=data["website"],
            text=data["text"],
            ip_address=ip_address,
            user_agent=user_agent,
            is_staff=self._staff(),
            is_returning=is_returning,
            tripped_bot_trap=self.tripped_bot_trap,
            keywords=keywords(),
        )

    def build_comment(self, **fields) -> Comment:
        data = self.cleaned_data
        return Comment(
            article=self.article,
            parent=data["parent"],
            name=data["name"],
            email=data["email"],
            website=data["website"],
            text=data["text"],
            notify=data["notify"],
            user=self.user if self._staff() else None,
            **fields,
        )

    def _staff(self) -> bool:
        return self.user is not None and self.user.is_staff
