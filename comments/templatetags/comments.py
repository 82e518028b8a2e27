import re

from django import template
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from articles.rendering import paragraph_text
from comments import reader_view
from comments.forms import CommentForm, comment_id
from comments.models import Comment, comments_are_open
from comments.visitors import saved_details
from operations.routes import reverse

register = template.Library()

_PARAGRAPH = re.compile(r'<p id="(p-[0-9a-f]{8}(?:-\d+)?)">')
_QUOTE_LINK = ' <a class="quote-link" href="?quote={}#respond">Comment on this passage</a>'
_HEADING = re.compile(r'(<h([23]) id="([^"]+)">.*?</h\2>)', re.DOTALL)


@register.simple_tag(takes_context=True)
def discussion(context, article):
    """This reader's view of the article's discussion (see comments/reader_view.py)."""
    request = context["request"]
    # The page asks twice (its <head> and its body are separate template blocks).
    memo = request.__dict__.setdefault("_discussions", {})
    if article.pk not in memo:
        # A reply (asked for by link, or sent back with an error) shows its comment's page.
        form = context.get("comment_form")
        showing = form.replying_to.pk if form and form.replying_to else _reply_to(request)
        memo[article.pk] = reader_view.for_request(request, article, showing)
    return memo[article.pk]


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, article, discussion):
    """Comments under an article, and the "Leave a Comment" form."""
    request = context["request"]
    form = context.get("comment_form") or _fresh_form(request, article)
    return {
        "article": article,
        "count": article.comment_count,
        "discussion": discussion,
        "thread": mark_safe(discussion.thread_html),  # noqa: S308 - escaped by render_thread
        "form": form,
        "replying_to": form.replying_to,
        "comments_open": comments_are_open(article),
        "request": request,
        "messages": context.get("messages"),  # what a commenter is told lands here
    }


@register.simple_tag
def passage_links(article, discussion):
    """The article body with a "Comment on this passage" link after each paragraph
    and, under each section heading, how many comments quote it."""
    html = article.body_html
    if comments_are_open(article):
        html = _with_quote_links(html)
    counts = discussion.quote_counts

    def count(match):
        if (quoted := counts.get(match.group(3))) is None:
            return match.group(1)
        n, first = quoted
        noun = "comment quotes" if n == 1 else "comments quote"
        # To the first of them: here, or on whichever page of comments it is.
        first_url = f"#comment-{first}"
        if discussion.num_pages > 1:
            first_url = reverse("comments:permalink", args=[article.slug, first])
        link = f'<a href="{first_url}">{n} {noun} this section</a>'
        return f'{match.group(1)}<p class="section-quotes">{link}</p>'

    return mark_safe(_HEADING.sub(count, html))  # noqa: S308 - our sanitised HTML, our links


def _with_quote_links(html: str) -> str:
    """Each paragraph with a "Comment on this passage" link at its end.

    A paragraph ends at the first ``</p>`` after it opens (a paragraph holds no other),
    found with ``str.find``: a lazy ``.*?`` stepped through every character of the
    body in the regular expression engine, a third of a millisecond each page.
    """
    parts, done = [], 0
    for opening in _PARAGRAPH.finditer(html):
        if opening.start() < done:  # inside the paragraph just linked
            continue
        if (end := html.find("</p>", opening.end())) < 0:
            break
        parts += (html[done:end], _QUOTE_LINK.format(opening[1]))
        done = end
    parts.append(html[done:])
    return "".join(parts)


_REQUIRED_MARK = mark_safe(' <span class="req" aria-hidden="true">*</span>')


@register.simple_tag
def error_summary(form):
    """At the top of a refused comment form, what happened and where to look: the form-wide
    messages in full, then a link to each field with a message next to it (the
    message itself stays by its field). Focused by static/js/site.js when shown;
    without JavaScript it is the first thing in the form after the page's #respond."""
    if not form.is_bound or not form.errors:
        return ""
    said = list(form.non_field_errors())
    fields = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        if field is None:
            continue
        if field.widget.is_hidden:  # the page's own parts (stamp, parent): say it in full
            said.extend(errors)
        else:
            fields.append((form[name].id_for_label, form[name].label))
    links = format_html_join(", ", '<a href="#{}">{}</a>', fields)
    check = format_html(" Please check: {}.", links) if fields else ""
    messages = format_html_join("", "<li>{}</li>", ((message,) for message in said))
    # Sent twice, it was posted the first time: "not posted" would invite a third try.
    arrived = form.has_error(NON_FIELD_ERRORS, "replayed")
    return format_html(
        '<div class="form-errors" role="alert" id="form-errors" tabindex="-1"><p>{}{}</p>{}</div>',
        "Your comment arrived the first time." if arrived else "Your comment was not posted.",
        check,
        format_html('<ul class="errorlist">{}</ul>', messages) if said else "",
    )


@register.simple_tag
def form_field(field):
    """One form field as every reader-facing form shows it: its label (with * when
    required), its errors, the input Django renders for it (id ``id_<name>``,
    aria-describedby to the help text and errors, aria-invalid when wrong) and its
    help text. In Python rather than an included template: every article page shows
    four of these, and the include cost a millisecond of each cold page."""
    errors = field.errors
    hint = ""
    if field.help_text:
        hint = format_html(
            '\n  <span class="hint" id="{}_helptext">{}</span>', field.auto_id, field.help_text
        )
    return format_html(
        '<div class="field{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}{}</div>',
        " invalid" if errors else "",
        field.id_for_label,
        field.label,
        _REQUIRED_MARK if field.field.required else "",
        errors if errors else "",
        str(field),
        hint,
    )


@register.simple_tag
def pending_comment_count() -> int:
    """How many comments wait for a moderator (shown on the admin's home page)."""
    return Comment.objects.in_moderation().count()


def _at_most(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut after a word, marked "…" where cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _reply_to(request) -> int | None:
    """The comment a reader's reply link (?replytocom=) names, if it names one."""
    return comment_id(request.GET.get("replytocom", ""))


def _fresh_form(request, article) -> CommentForm:
    form = CommentForm(article, request=request, initial=saved_details(request))
    if (reply_to := _reply_to(request)) is not None:
        form.replying_to = Comment.objects.approved().filter(article=article, pk=reply_to).first()
        if form.replying_to:
            form.initial["parent"] = form.replying_to.pk
    anchor = request.GET.get("quote", "")
    if quote := paragraph_text(article.body_html, anchor) if len(anchor) < 40 else "":
        form.initial["quote"] = _at_most(quote, form.fields["quote"].max_length)
        form.initial["quote_anchor"] = anchor
    if form.replying_to or form.initial.get("quote"):
        # The reader asked to write (a reply or passage link): the cursor waits in the box.
        form.fields["text"].widget.attrs["autofocus"] = True
    if form.initial.get("name"):
        form.initial["save_details"] = True
    return form
