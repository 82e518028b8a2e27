"""Form fields that refuse what a reader can't have meant: control characters,
invisible-only input, addresses that are not one mailbox."""

import re
import unicodedata
from urllib.parse import unquote_to_bytes

from django import forms
from django.core.validators import URLValidator
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.rendering import LINE_CONTROLS
from comments.identity import at_a_domain_name, canonical_email

# Control characters (a comment may keep tabs and newlines), and in one-line fields
# also line separators and the bidirectional overrides that make a name read backwards.
# Noncharacters too (U+FDD0–FDEF and each plane's last two, U+FFFE, U+FFFF…): XML, so
# every feed, can't carry them, and one approved comment would break its feed.
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
# Lone surrogates too: no text encodes them (a form read in a charset such as
# raw_unicode_escape can carry them), and saving one failed with a 500.
_SURROGATES = "\\ud800-\\udfff"
CONTROL_IN_TEXT = re.compile(
    f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u2028\\u2029{_NONCHARACTERS}{_SURROGATES}]"
)
CONTROL_IN_LINE = re.compile(f"[{LINE_CONTROLS}{_NONCHARACTERS}{_SURROGATES}]")
# What bytes that are not UTF-8 become when a form is read: the sender's words are lost.
GARBLED = "\ufffd"


def garbled_fields(request) -> set[str]:
    """The fields of a posted form whose bytes were not UTF-8 (Django read each such
    byte as GARBLED). Only a form's own bytes tell: a GARBLED the reader typed is theirs.
    One pass over the body (a browser sends this form urlencoded)."""
    if getattr(request, "method", "") != "POST":
        return set()
    if request.content_type != "application/x-www-form-urlencoded":
        return set()
    garbled = set()
    for pair in request.body.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode()
        except UnicodeDecodeError:
            garbled.add(unquote_to_bytes(name.replace(b"+", b" ")).decode(errors="replace"))
    return garbled


class GarbledRefused:
    """Form mixin (a form with ``request``): a field that arrived garbled is refused by
    its side, its text shown back, so the reader can see what was lost and fix it."""

    def _clean_fields(self):
        super()._clean_fields()
        for name in garbled_fields(self.request) & self.fields.keys():
            if name not in self._errors:
                what = getattr(self.fields[name], "what", "entry")
                message = (
                    f"Part of your {what} arrived garbled (shown as {GARBLED}): please check "
                    "it and send it again."
                )
                self.add_error(name, forms.ValidationError(message, code="garbled"))


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
                    f"Your {self.what} contained invisible control characters (such as "
                    "NUL), which we can't keep. They are taken out of what is shown here: "
                    "please check it and send it again.",
                    code="control_characters",
                )
            if value.strip() and _is_blank(value):
                value = ""  # reported as missing, by the field's "required" message
        return super().to_python(value)


class TextField(_Guarded, forms.CharField):
    what = "comment"
    pattern = CONTROL_IN_TEXT

    def widget_attrs(self, widget):
        """No maxlength: a browser would cut a long paste without a word, losing the
        rest. The length is checked on sending, with a message and the text kept (and
        static/js/site.js says how far over it is while the reader writes)."""
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return {**attrs, "data-max-length": str(self.max_length)}


class NameField(_Guarded, forms.CharField):
    what = "name"


class EmailAddressField(_Guarded, forms.EmailField):
    what = "email address"

    def to_python(self, value):
        value = super().to_python(value)
        local = value.rpartition("@")[0]
        if local.startswith('"'):
            # '"ann"@example.com' is delivered to ann@example.com: each quoted spelling
            # would be one more identity, with its own daily cap of mails to that inbox.
            raise forms.ValidationError(
                "Please write the address without quotation marks, like name@example.com.",
                code="invalid",
            )
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

    def run_validators(self, value):
        super().run_validators(value)  # first: is it an address at all?
        if value and not at_a_domain_name(canonical_email(value)):
            raise forms.ValidationError(
                "Please use an address at a domain name, like name@example.com.",
                code="invalid",
            )


# Never in an address as typed or copied from a browser's bar (RFC 3986 has them
# percent-encoded): a quote or bracket in one is a mistake, or markup looking for a way out.
_NOT_IN_AN_ADDRESS = re.compile(r'[\s"<>`{}|\\^]')


class WebsiteField(_Guarded, forms.URLField):
    what = "website address"
    default_validators = [URLValidator(schemes=["http", "https"])]

    def to_python(self, value):
        value = super().to_python(value)
        if _NOT_IN_AN_ADDRESS.search(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class _WrittenInPython:
    """Widget mixin: the same HTML as Django's widget templates, written in Python.

    The article page shows the comment form to every reader; rendering four widgets
    through their templates (attrs.html, input.html…) took a fifth of a cold page.
    """

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        attrs = "".join(
            f" {name}" if value is True else f' {name}="{escape(value)}"'
            for name, value in widget["attrs"].items()
            if value is not False and value is not None
        )
        name, value = escape(widget["name"]), widget["value"]
        if widget["template_name"] == "django/forms/widgets/textarea.html":
            value = CONTROL_IN_TEXT.sub("", value or "")  # shown back without what was refused
            return mark_safe(f'<textarea name="{name}"{attrs}>\n{escape(value)}</textarea>')  # noqa: S308
        shown = "" if value is None else f' value="{escape(CONTROL_IN_LINE.sub("", value))}"'
        return mark_safe(f'<input type="{widget["type"]}" name="{name}"{shown}{attrs}>')  # noqa: S308


class TextInput(_WrittenInPython, forms.TextInput):
    pass


class EmailInput(_WrittenInPython, forms.EmailInput):
    pass


class Textarea(_WrittenInPython, forms.Textarea):
    pass
