"""Addresses from URL names, worked out once per process.

Django's ``reverse()`` matches a name against the URL patterns each time it is
called: about 30 µs, and the article page asks for some 35 addresses, a tenth of its
cold render. An address depends only on the URL patterns, the name and its
arguments, the app asking, and the prefix the site is served under, so each is
worked out once and remembered (a bounded number of them). The URLconf in use and
the script prefix are part of what is remembered under; changing ROOT_URLCONF (as
tests do) forgets everything. There are no per-language URL patterns here
(``i18n_patterns``), so the active language is not part of it.

``reverse()`` here takes Django's arguments. The ``{% url %}`` tag is this module's too
(a template builtin, see TEMPLATES in settings), so templates and code agree.
"""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.html import conditional_escape

REMEMBERED = 4096  # addresses per process, about 0.5 MB at most

register = template.Library()


def reverse(viewname, urlconf=None, args=None, kwargs=None, current_app=None, **query):
    """Django's ``reverse()``, remembered. A query string or fragment (``query=``,
    ``fragment=``), or an argument that can't be a key, goes to Django every time."""
    if query or not isinstance(viewname, str):
        return django_reverse(viewname, urlconf, args, kwargs, current_app, **query)
    try:
        return _reversed(
            viewname,
            urlconf or get_urlconf(),
            tuple(map(_argument, args or ())),
            tuple(sorted((name, _argument(value)) for name, value in (kwargs or {}).items())),
            current_app,
            get_script_prefix(),
        )
    except TypeError:  # an argument that can't be part of a key (a list): Django's own way
        return django_reverse(viewname, urlconf, args, kwargs, current_app)


def _argument(value) -> tuple:
    """An argument as part of a key: its type and its text, as the URL will have it,
    then the value itself to reverse with. Python counts 1, 1.0 and True as equal;
    their addresses differ (or one has none)."""
    return type(value), str(value), value


@functools.lru_cache(maxsize=REMEMBERED)
def _reversed(viewname, urlconf, args, kwargs, current_app, prefix):
    # The prefix is only a key: django_reverse reads the same one itself.
    values = [value for _, _, value in args]
    named = {name: value for name, (_, _, value) in kwargs}
    return django_reverse(viewname, urlconf, values, named, current_app)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reversed.cache_clear()


class URLNode(defaulttags.URLNode):
    """``{% url %}`` through the remembered ``reverse()``; otherwise Django's tag."""

    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}``: same syntax (it parses it), remembered addresses."""
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
