"""The "Follow by email" form: one address. Every refusal a reader can meet is here.

The same rules as a comment's address (comments/fields.py: no control characters,
one mailbox, a domain that can be encoded) and the same limits: attempts per
network per minute, and confirmation mails per network and per recipient per day
(comments/limits.py), counted alike for every address so the answer never tells
who already follows.
"""

from django import forms

from comments.fields import EmailAddressField, EmailInput
from comments.identity import canonical_email
from comments.limits import attempts_message, mail_allowed, too_many_mails
from operations.network import client_network


class FollowForm(forms.Form):
    email = EmailAddressField(
        label="Your email address",
        max_length=254,
        widget=EmailInput(attrs={"autocomplete": "email", "maxlength": 254}),
        error_messages={
            "required": "Please enter your email address.",
            "invalid": "Please enter a valid email address, like name@example.com.",
            "max_length": "An email address can be at most 254 characters.",
        },
    )
    # A field people never see (hidden by CSS and from screen readers); bots fill it in.
    contact_by_fax = forms.CharField(required=False, max_length=200)

    def __init__(self, data=None, *, request=None, place: str = "page", **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"follow-{place}-%s")
        self.network = client_network(request) if request else ""
        super().__init__(data, **kwargs)

    @property
    def tripped_bot_trap(self) -> bool:
        return bool(self.is_bound and self.data.get("contact_by_fax"))

    def clean(self):
        data = super().clean()
        if message := attempts_message(self.network):
            raise forms.ValidationError(message, code="throttled")
        if self.errors or self.tripped_bot_trap:
            return data
        if not mail_allowed(self.network, canonical_email(data["email"])):
            raise forms.ValidationError(too_many_mails(), code="throttled")
        return data

    @property
    def refusal_status(self) -> int:
        """429 when throttled, else 200 (the form shown again with its errors)."""
        codes = {error.code for error in self.non_field_errors().as_data()}
        return 429 if "throttled" in codes else 200

    @property
    def address(self) -> str:
        return canonical_email(self.cleaned_data["email"])
