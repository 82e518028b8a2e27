"""The "Leave a Comment" form. Every error a reader can cause is decided here."""

import hashlib
import re
import secrets
import time
import unicodedata

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import URLValidator
from django.utils import timezone

from articles.rendering import paragraph_text
from comments.identity import canonical_email
from comments.models import Comment
from comments.moderation import Candidate, keywords
from operations.network import client_ip

FORM_SALT = "comments.form"
DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"
REPLAYED = "This form was already sent. Your comment is still here: reload the page to post it."
# Control characters (a comment may keep tabs and newlines), and in one-line fields
# also line separators and the bidirectional overrides that make a name read backwards.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing: a name or comment made only of them is empty.
INVISIBLE = {"\u115f", "\u1160", "\u2800", "\u3164", "\uffa0"}


def _is_blank(value: str) -> bool:
    return all(
        ch.isspace() or ch in INVISIBLE or unicodedata.category(ch) in {"Cf", "Mn", "Me"}
        for ch in value
    )


class _Guarded:
    """Field mixin: control characters and invisible-only input fail first, with one message.

    Checking in to_python stops Django from adding its own, differently worded errors
    for the same mistake (a NUL byte would otherwise be reported two or three times).
    """

    what = "entry"
    pattern = CONTROL_IN_LINE

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            if self.pattern.search(value):
                raise forms.ValidationError(
                    f"Your {self.what} contains invisible control characters (such as NUL); "
                    "please remove them.",
                    code="control_characters",
                )
            if value.strip() and _is_blank(value):
                value = ""  # reported as missing, by the field's "required" message
        return super().to_python(value)


class TextField(_Guarded, forms.CharField):
    what = "comment"
    pattern = CONTROL_IN_TEXT


class NameField(_Guarded, forms.CharField):
    what = "name"


class EmailAddressField(_Guarded, forms.EmailField):
    what = "email address"

    def to_python(self, value):
        value = super().to_python(value)
        local = value.rpartition("@")[0]
        if value and not local.isascii():
            raise forms.ValidationError(
                "Please use an email address with only plain letters, digits and "
                "punctuation before the @.",
                code="invalid",
            )
        return value

    def validate(self, value):
        super().validate(value)
        if value and not canonical_email(value):  # a domain IDNA can't encode
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class WebsiteField(_Guarded, forms.URLField):
    what = "website address"
    default_validators = [URLValidator(schemes=["http", "https"])]


class CommentForm(forms.Form):
    text = TextField(
        label="Comment",
        max_length=65525,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": 65525}),
        error_messages={
            "required": "Please write a comment.",
            "max_length": "Your comment is too long: it can be at most 65,525 characters.",
        },
    )
    name = NameField(
        max_length=245,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": "Please enter your name.",
            "max_length": "Your name can be at most 245 characters.",
        },
    )
    email = EmailAddressField(
        max_length=100,
        help_text="Your email address will never be published.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Please enter your email address; it will never be published.",
            "invalid": "Please enter a valid email address, like name@example.com.",
            "max_length": "Your email address can be at most 100 characters.",
        },
    )
    website = WebsiteField(
        max_length=200,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        error_messages={
            "invalid": "Please enter a web address starting with http:// or https://, "
            "or leave the field empty.",
            "max_length": "Your website address can be at most 200 characters, "
            "counting the https:// in front.",
        },
    )
    save_details = forms.BooleanField(
        required=False,
        label="Save my name, email, and website in this browser for the next time I comment.",
    )
    notify = forms.BooleanField(required=False, label="Notify me of replies by email")
    has_spoilers = forms.BooleanField(
        required=False, label="My comment gives away the plot: fold all of it behind “Spoiler”"
    )
    quote = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    quote_anchor = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    # A field people never see (hidden by CSS and from screen readers); bots fill it in.
    contact_by_fax = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, article, *args, user=None, own_comment_ids=(), browser_secret="", **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.article = article
        self.browser_secret = browser_secret
        self.user = user if user is not None and user.is_authenticated else None
        self.own_comment_ids = list(own_comment_ids)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("stamp", self.new_stamp())
        if self._staff():
            # Staff reply as themselves: their name and address come from their account.
            for name in ("name", "email", "website", "save_details"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()
        self.replying_to = None
        self.closed = False

    def new_stamp(self, *, ago: int = 0) -> str:
        """A signed note of which article the form is for, when it was shown, and a
        random value only the server mints (so no two rendered forms are alike)."""
        stamp = {"a": self.article.pk, "t": int(time.time()) - ago, "n": secrets.token_hex(8)}
        return signing.dumps(stamp, salt=FORM_SALT)

    def form_nonce(self) -> str:
        """What makes this rendered form, in this browser, different from every other.

        Both halves are minted by the server and can't be respelled: the signed
        stamp (with its random value) and the browser's CSRF secret, the unmasked
        value behind whatever spelling of the token the form carries (a cached page
        is shared by readers, each with their own secret). A comment saved with
        them can't be sent a second time: a double click, the back button, a
        replayed request with the raw secret or a re-masked token all post nothing.
        """
        seed = f"{self.data.get('stamp', '')}|{self.browser_secret}"
        return hashlib.sha256(seed.encode()).hexdigest()[:32]

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
        if raw.isascii() and raw.isdigit() and len(raw) < 19:
            parent = (
                Comment.objects.approved()
                .filter(article=self.article, pk=int(raw))
                .only("id", "name", "article_id", "email", "email_canonical", "notify")
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
        except (signing.BadSignature, ValueError):
            stamp = None
        if not isinstance(stamp, dict) or not isinstance(stamp.get("t"), int):
            raise forms.ValidationError(
                "Part of the form was missing or changed. Please send your comment again."
            )
        if stamp.get("a") != self.article.pk:
            raise forms.ValidationError(
                "This form belongs to another article. Please send your comment again."
            )
        age = time.time() - stamp["t"]
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

    def clean_quote_anchor(self):
        """A quote must be words of this article's paragraph, as they stand there."""
        anchor, quote = self.cleaned_data["quote_anchor"], self.data.get("quote", "")
        if not anchor and not quote:
            return ""
        passage = paragraph_text(self.article.body_html, anchor) if anchor else ""
        if not passage or " ".join(str(quote).split()) not in passage:
            raise forms.ValidationError(
                "The quoted passage is not in this article any more. "
                "Remove the quote to post your comment on its own."
            )
        return anchor

    def clean_quote(self):
        return " ".join(self.cleaned_data["quote"].split())

    def clean(self):
        data = super().clean()
        text, email = data.get("text"), data.get("email")
        # Only this browser's own comments count: checking everyone's would let a
        # stranger test which address wrote a public comment.
        if (
            text
            and email
            and self.own_comment_ids
            and (
                Comment.objects.visible_or_awaited()
                .filter(
                    pk__in=self.own_comment_ids,
                    article=self.article,
                    email_canonical=canonical_email(email),
                    text=text,
                )
                .exists()
            )
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
            has_spoilers=data["has_spoilers"],
            quote=data["quote"] if data.get("quote_anchor") else "",
            quote_anchor=data.get("quote_anchor", ""),
            form_nonce=self.form_nonce(),
            user=self.user if self._staff() else None,
            **fields,
        )

    def _staff(self) -> bool:
        return self.user is not None and self.user.is_staff


class EditCommentForm(forms.Form):
    """Its author changes a comment's words (and whether they give the plot away)."""

    text = CommentForm.base_fields["text"]
    has_spoilers = CommentForm.base_fields["has_spoilers"]

    def __init__(self, comment, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"text": comment.text, "has_spoilers": comment.has_spoilers})
        self.comment = comment
        super().__init__(*args, **kwargs)

    def candidate(self, request, commenter) -> Candidate:
        """The edited comment, as the moderation rules see a new one."""
        comment = self.comment
        return Candidate(
            name=comment.name,
            email=comment.email,
            website=comment.website,
            text=self.cleaned_data["text"],
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "").replace("\x00", "")[:500],
            is_staff=bool(comment.user_id),
            is_returning=commenter.is_returning(comment.email),
            keywords=keywords(),
        )

    def save(self, verdict) -> None:
        """Store the new words; moderation looks again, but an edit never raises the status."""
        comment = self.comment
        comment.text = self.cleaned_data["text"]
        comment.has_spoilers = self.cleaned_data["has_spoilers"]
        comment.edited_at = timezone.now()
        status = comment.status_after_edit(verdict.status)
        if status != comment.status:
            comment.status, comment.moderation_reason = status, verdict.reason
        comment.save()  # an existing comment: recounts the article and refreshes its pages
