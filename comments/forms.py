"""The "Leave a Comment" form. Every refusal a reader can meet is decided here.

The form knows the commenter (their browser's signed cookie), the limits of their
network and whether the article takes comments, and reports each refusal as a
form error next to what caused it, with the reader's text kept. ``refusal_status``
says how to answer: 429 throttled, 403 closed, 409 already sent, else 200.
"""

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg.errors import ForeignKeyViolation

from articles.models import public_name
from articles.rendering import paragraph_text
from comments.fields import (
    EmailAddressField,
    EmailInput,
    GarbledRefused,
    NameField,
    Textarea,
    TextField,
    TextInput,
    WebsiteField,
)
from comments.identity import canonical_email
from comments.limits import attempts_message, edit_flood_message, flood_message
from comments.models import Comment, comments_are_open
from comments.moderation import Candidate, Verdict, keywords
from comments.stamps import (
    SEEN_COOKIE,
    check_stamp,
    form_nonce,
    new_stamp,
    ready_at,
    ready_stamp,
    seen_at,
)
from comments.visitors import Commenter
from operations.network import client_ip, client_network, user_agent

DUPLICATE = "Duplicate comment detected; it looks as though you’ve already said that!"
REPLAYED = (
    "We already have this comment, so it was not posted again. There is no need to send "
    "it once more; if it is held for moderation, it appears when a moderator approves it."
)
PARENT_GONE = (
    "The comment you are replying to is not available any more. "
    "Cancel the reply to post your comment on its own."
)
STATUS_OF_REFUSAL = {"throttled": 429, "closed": 403, "replayed": 409}


def comment_id(value: str) -> int | None:
    """A comment's id as a form or a link gives it (ASCII digits a bigint holds), or None."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


class CommentForm(GarbledRefused, forms.Form):
    text = TextField(
        label="Comment",
        max_length=65525,
        help_text="Plain text; web addresses become links. "
        "Hide a spoiler between double bars, ||like this||: readers see “Spoiler” "
        "until they open it.",
        widget=Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Please write a comment.",
            "max_length": "Your comment is too long: it can be at most 65,525 characters.",
        },
    )
    name = NameField(
        max_length=245,
        widget=TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": "Please enter your name.",
            "max_length": "Your name can be at most 245 characters.",
        },
    )
    email = EmailAddressField(
        max_length=100,
        help_text="Your email address will never be published.",
        widget=EmailInput(attrs={"autocomplete": "email"}),
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
        # Text, not type="url": browsers refuse "example.com", which the field takes
        # (as https://example.com), as most commenters write an address.
        widget=TextInput(attrs={"autocomplete": "url", "inputmode": "url"}),
        error_messages={
            "invalid": "Please enter a web address, like example.com or "
            "https://example.com, or leave the field empty.",
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
        widget=TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, article, data=None, *, request=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.article = article
        self.request = request
        user = getattr(request, "user", None)
        self.user = user if user is not None and user.is_authenticated else None
        self.commenter = Commenter.from_request(request) if request else Commenter()
        self.network = client_network(request) if request else ""
        super().__init__(data, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("stamp", self.new_stamp())
        if self._staff():
            # Staff reply as themselves: their name and address come from their account.
            for name in ("name", "email", "website", "save_details"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()
        self.replying_to = None
        self.closed = False
        self.earlier = None  # the comment this very form made, sent before from this browser

    def ready_at(self) -> int | None:
        """When this form may be sent (comments.stamps.ready_at)."""
        return ready_at(self["stamp"].value())

    def new_stamp(self, *, ago: int = 0) -> str:
        """The stamp of a form on this page: shared by every reader, or this one's."""
        shared = getattr(self.request, "page_shared", False)
        return new_stamp(self.article.pk, ago=ago, shared=shared)

    def form_nonce(self) -> str:
        """This sending's key: the page's stamp with who wrote what, in reply to what,
        from which network."""
        data = self.cleaned_data
        parent = data.get("parent")
        return form_nonce(
            self.data.get("stamp", ""),
            self.network,
            canonical_email(data.get("email", "")),
            str(parent.pk if parent else ""),
            data.get("text", ""),
        )

    def refresh_stamp(self) -> None:
        """Give a form shown again a new stamp: from now (sending it at once is too
        quick again), or, refused only for being a day old, one to send at once."""
        self.data = self.data.copy()
        expired = set(self.errors) == {"stamp"} and self.has_error("stamp", "expired")
        self.data["stamp"] = ready_stamp(self.article.pk) if expired else self.new_stamp()

    @property
    def tripped_bot_trap(self) -> bool:
        return bool(self.is_bound and self.data.get("contact_by_fax"))

    def clean_name(self):
        if self._staff():
            return public_name(self.user)
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
        if (pk := comment_id(raw)) is not None:
            parent = (
                Comment.objects.approved()
                .filter(article=self.article, pk=pk)
                .only("id", "name", "article_id", "email", "email_canonical", "notify")
                .first()
            )
        if parent is None:
            raise forms.ValidationError(PARENT_GONE)
        self.replying_to = parent
        return parent

    def clean_stamp(self):
        seen = self.request.COOKIES.get(SEEN_COOKIE) if self.request else None
        return check_stamp(
            self.cleaned_data["stamp"], self.article.pk, seen_at(self.article.pk, seen)
        )

    def clean_quote_anchor(self):
        """A quote must be words of this article's paragraph, as they stand there."""
        anchor, quote = self.cleaned_data["quote_anchor"], self.data.get("quote", "")
        if not anchor and not quote:
            return ""
        passage = paragraph_text(self.article.body_html, anchor) if anchor else ""
        # A long paragraph's link quotes its beginning, marked "…" where it was cut.
        quoted = " ".join(str(quote).split()).removesuffix("…")
        words = any(character.isalnum() for character in quoted)
        if not passage or not words or quoted not in passage:
            raise forms.ValidationError(
                "The quoted passage is not in this article any more. "
                "Remove the quote to post your comment on its own."
            )
        return anchor

    def clean_quote(self):
        return " ".join(self.cleaned_data["quote"].split())

    def clean(self):
        """The form-wide refusals, in the order a reader should hear of them."""
        data = super().clean()
        if not self._staff() and (message := attempts_message(self.network)):
            if self.has_error("stamp", "quick"):  # ready before the minute they wait is up
                del self._errors["stamp"]
            raise forms.ValidationError(message, code="throttled")
        if not comments_are_open(self.article):
            self.closed = True
            raise forms.ValidationError("Comments are closed.", code="closed")
        # Sent again after its page grew too old to post from: it arrived the first time.
        only_expired = set(self.errors) == {"stamp"} and self.has_error("stamp", "expired")
        if only_expired and self._sent_before():
            del self._errors["stamp"]
            raise forms.ValidationError(REPLAYED, code="replayed")
        if self.errors:
            return data  # fix the fields first: nothing below would help
        if (earlier := self._earlier_copy()) is not None:  # sent twice (a double click)
            self.earlier = earlier
            raise forms.ValidationError(REPLAYED, code="replayed")
        if self._already_said(data["text"], data["email"]):
            raise forms.ValidationError(DUPLICATE, code="duplicate")
        if not self._staff() and (message := flood_message(self.network)):
            if self._sent_before():  # the same form again (a lost answer): say so, not "wait"
                raise forms.ValidationError(REPLAYED, code="replayed")
            raise forms.ValidationError(message, code="throttled")  # takes the slot: last
        return data

    @property
    def refusal_status(self) -> int:
        """The HTTP status for this form shown back with errors."""
        codes = {error.code for error in self.non_field_errors().as_data()}
        return next((status for code, status in STATUS_OF_REFUSAL.items() if code in codes), 200)

    def candidate(self) -> Candidate:
        """What the moderation rules need to know about this submission."""
        data = self.cleaned_data
        return Candidate(
            name=data["name"],
            email=data["email"],
            website=data["website"],
            text=data["text"],
            ip_address=self._ip(),
            user_agent=self._user_agent(),
            is_staff=self._staff(),
            is_returning=self.commenter.is_returning(data["email"]),
            tripped_bot_trap=self.tripped_bot_trap,
            keywords=keywords(),
        )

    def save(self, verdict: Verdict) -> Comment | None:
        """Store the comment with the moderation verdict; None if this form was sent before."""
        data = self.cleaned_data
        comment = Comment(
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
            status=verdict.status,
            moderation_reason=verdict.reason,
            # A staff author is a moderator; the rules approving a comment vouch for nobody.
            approved_by_moderator=self._staff() and verdict.status == Comment.Status.APPROVED,
            ip_address=self._ip() or None,
            user_agent=self._user_agent(),
        )
        try:
            comment.save()
        except IntegrityError as error:
            if isinstance(error.__cause__, ForeignKeyViolation):
                # The comment answered was deleted between the check and the save.
                self.add_error("parent", forms.ValidationError(PARENT_GONE))
            else:  # sent before: its nonce is unique in the database
                self.add_error(None, forms.ValidationError(REPLAYED, code="replayed"))
            return None
        return comment

    def _sent_before(self) -> bool:
        """This very form was posted already from this network (a comment carries its
        nonce). Asked only when the flood limit refuses it; otherwise the unique nonce
        refuses it at save()."""
        return Comment.objects.filter(form_nonce=self.form_nonce()).exists()

    def _earlier_copy(self) -> Comment | None:
        """The comment this very form made, if this browser posted it already (only its
        own: a stranger replaying the form learns nothing, see _sent_before)."""
        if not self.commenter.comment_ids:
            return None
        earlier = Comment.objects.visible_or_awaited().filter(
            pk__in=self.commenter.comment_ids, form_nonce=self.form_nonce()
        )
        return earlier.select_related("article").only("created_at", "article__slug").first()

    def _already_said(self, text: str, email: str) -> bool:
        # Only this browser's own comments count: checking everyone's would let a
        # stranger test which address wrote a public comment.
        return bool(self.commenter.comment_ids) and (
            Comment.objects.visible_or_awaited()
            .filter(
                pk__in=self.commenter.comment_ids,
                article=self.article,
                email_canonical=canonical_email(email),
                text=text,
            )
            .exists()
        )

    def _ip(self) -> str:
        return client_ip(self.request) if self.request else ""

    def _user_agent(self) -> str:
        return user_agent(self.request) if self.request else ""

    def _staff(self) -> bool:
        return self.user is not None and self.user.is_staff


class EditCommentForm(GarbledRefused, forms.Form):
    """Its author changes a comment's words (and whether they give the plot away).

    An edit counts against the attempt limit as a post does, and has a flood slot of its
    own (comments/limits.py).
    """

    text = CommentForm.base_fields["text"]
    has_spoilers = CommentForm.base_fields["has_spoilers"]

    def __init__(self, comment, data=None, *, request=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"text": comment.text, "has_spoilers": comment.has_spoilers})
        self.comment = comment
        self.request = request
        self.network = client_network(request) if request else ""
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        if message := attempts_message(self.network):
            raise forms.ValidationError(message, code="throttled")
        if not self.errors and (message := edit_flood_message(self.network)):
            raise forms.ValidationError(message, code="throttled")
        return data

    def candidate(self) -> Candidate:
        """The edited comment, as the moderation rules see a new one."""
        comment, request = self.comment, self.request
        return Candidate(
            name=comment.name,
            email=comment.email,
            website=comment.website,
            text=self.cleaned_data["text"],
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            is_staff=bool(comment.user_id),
            is_returning=Commenter.from_request(request).is_returning(comment.email),
            keywords=keywords(),
        )

    def save(self, verdict: Verdict) -> Comment | None:
        """Store the new words; moderation looks again, but an edit never raises the status.

        The row is read again under a lock: a moderator's decision or the author's own
        delete that came in meanwhile stands (an edit of a comment gone to the trash or
        to spam, or gone, saves nothing and returns None)."""
        with transaction.atomic():
            comment = Comment.objects.select_for_update().filter(pk=self.comment.pk).first()
            if comment is None or comment.status in (Comment.Status.TRASH, Comment.Status.SPAM):
                return None
            comment.text = self.cleaned_data["text"]
            comment.has_spoilers = self.cleaned_data["has_spoilers"]
            comment.edited_at = timezone.now()
            was_seen = comment.status == Comment.Status.APPROVED
            status = comment.status_after_edit(verdict.status)
            if status != comment.status:
                comment.status, comment.moderation_reason = status, verdict.reason
            # Shown before or after: recount the article, refresh its pages. A held
            # comment edited and still held changes no page readers share.
            comment.save(unseen=not was_seen)
        return comment
