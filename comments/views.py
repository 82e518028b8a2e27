import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.models import Article, PublishedBySlug, article_to_read
from articles.views import render_article
from comments import emails, reader_view, tasks
from comments.avatars import KEY, identicon_svg
from comments.forms import CommentForm, EditCommentForm, comment_id
from comments.identity import canonical_email
from comments.limits import attempts_message
from comments.models import Comment, Subscriber, comments_are_open
from comments.moderation import decide
from comments.stamps import SEEN_COOKIE, new_stamp, ready_at, seen_cookie
from comments.visitors import Commenter, forget_details, save_details
from operations.limits import retry_after
from operations.media import TRANSPARENT_GIF
from operations.network import client_network

# What posting reads of the article (a refusal reads the whole page again): the whole
# row was about a third of a POST's Python time. The article's body is read only for a
# quoted passage (CommentForm.clean_quote_anchor). Of its author, the address a new
# comment may be mailed to. One read, compiled once (articles.models.PublishedBySlug).
POSTING_FIELDS = ("slug", "status", "published_at", "allow_comments")
_POSTED_TO = PublishedBySlug(set(POSTING_FIELDS), author_fields={"email"})


def _open_for_posting(slug: str) -> Article | None:
    """The published article a form posts to, by its address or a former one (a page
    open since the editor changed the address posts all the same)."""
    if article := _POSTED_TO(slug):
        return article
    moved = Article.objects.published().filter(former_slugs__slug=slug).select_related("author")
    return moved.only(*POSTING_FIELDS, "author__email").first()


@require_http_methods(["GET", "POST"])
def post_comment(request, slug):
    """Check the form, let moderation decide, save, react, and send the reader to their comment.

    Anything refused re-displays the article with the form, the reader's text and a
    message next to what needs it (the form decides every refusal); nothing is lost.
    """
    article = _open_for_posting(slug)
    if article is None:
        if request.method == "POST":  # unpublished (or never was) while the reader wrote
            context = {"kept_text": request.POST.get("text", "")}
            return render(request, "comments/article_gone.html", context, status=404)
        raise Http404("No such article.")
    if request.method == "GET":  # a reload, bookmark or reply link of the page after an error
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponseRedirect(f"{article.get_absolute_url()}{query}#respond")
    if (cancelled := request.POST.get("cancel")) in CANCELLED_FIELDS:
        return _form_without(request, article, cancelled)
    form = CommentForm(article, request.POST, request=request)
    comment = form.save(decide(form.candidate())) if form.is_valid() else None
    if comment is None:
        if form.earlier is not None:  # this browser sent this very form before: there it is
            said = "This comment was posted already: here it is."
            if form.earlier.in_edit_window():
                minutes = settings.COMMENTS_EDIT_MINUTES
                said += f" To change it, use Edit (for {minutes} minutes after posting)."
            messages.info(request, said)
            return HttpResponseRedirect(form.earlier.get_absolute_url())
        if form.refusal_status not in (429, 409):
            # Told to wait, or that it arrived already, the reader may send the same form
            # again: the same stamp makes the same nonce, so it can't be doubled.
            form.refresh_stamp()
        return retry_after(_page_with(request, article, form, form.refusal_status), form)
    tasks.comment_posted(comment, form.network)
    return _redirect_to_comment(request, form, comment)


# "Cancel reply" and "Remove the quote" are buttons of the form, so that without
# JavaScript what the reader typed comes back with the reply or the quote left out.
CANCELLED_FIELDS = {"reply": ("parent",), "quote": ("quote", "quote_anchor")}
_KEPT_FIELDS = ("text", "name", "email", "website", "parent", "quote", "quote_anchor")
_KEPT_BOXES = ("save_details", "has_spoilers", "notify")


def _form_without(request, article, cancelled: str):
    """The article with the comment form as the reader left it, less what they cancelled."""
    # A page made per request, as a post is: counted as one. Over the limit, nothing is
    # cancelled: the form comes back as it was sent, with the reason to wait.
    too_many = attempts_message(client_network(request))
    dropped = () if too_many else CANCELLED_FIELDS[cancelled]
    initial = {name: request.POST.get(name, "") for name in _KEPT_FIELDS if name not in dropped}
    initial |= {name: bool(request.POST.get(name)) for name in _KEPT_BOXES}
    if stamp := request.POST.get("stamp"):  # the page's: sending right after isn't too quick
        initial["stamp"] = stamp
    form = CommentForm(article, request=request, initial=initial)
    if (parent := comment_id(initial.get("parent", ""))) is not None:
        form.replying_to = Comment.objects.approved().filter(article=article, pk=parent).first()
    if too_many is None:
        return _page_with(request, article, form)
    messages.error(request, too_many)  # shown under the discussion's heading, over the form
    response = _page_with(request, article, form, 429)
    response["Retry-After"] = str(too_many.seconds)
    return response


def _page_with(request, article, form, status=200):
    """The article page again, with this form (posting read only a few of its fields)."""
    if (page := article_to_read(article.slug, request.user)) is None:
        raise Http404("No such article.")
    return render_article(request, page, {"comment_form": form}, status=status)


def _redirect_to_comment(request, form, comment):
    """To the new comment, remembering it (and, if asked, the reader's details) in cookies."""
    if comment.status == Comment.Status.SPAM:
        # Said plainly but without saying why, so a bot learns nothing; the text is
        # kept for moderators, who can publish it if the rules got it wrong.
        messages.info(
            request,
            "Thank you. Your comment was received, but it will not appear unless a "
            "moderator approves it.",
        )
        return HttpResponseRedirect(f"{comment.article.get_absolute_url()}#comments")
    form.commenter.remember_comment(comment.pk)
    if comment.notify and not form.commenter.has_confirmed(comment.email):
        # The same words whether or not the address gets replies already: nothing here
        # tells a stranger who typed someone else's address what that person chose.
        messages.info(
            request,
            "Replies by email: unless this address gets them already, we have sent it a "
            "link to confirm. Nothing is sent until you confirm.",
        )
    response = HttpResponseRedirect(comment.get_absolute_url())
    form.commenter.set_cookie(response)
    data = form.cleaned_data
    if data.get("save_details"):
        save_details(response, name=data["name"], email=data["email"], website=data["website"])
    elif not request.user.is_staff:
        forget_details(response)
    return response


@require_http_methods(["GET", "POST"])
@never_cache  # it names the reader's address: no copy kept anywhere
def confirm_email(request, token):
    """The double opt-in link. GET asks (mail scanners follow links); the button confirms."""
    email = emails.email_from_token(token, emails.CONFIRM_SALT, emails.CONFIRM_LINK_MAX_AGE)
    subscriber = Subscriber.objects.filter(email=canonical_email(email)).first() if email else None
    if subscriber is None:
        return render(request, "comments/confirm.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "comments/confirm.html", {"email": subscriber.email})
    Subscriber.objects.filter(pk=subscriber.pk).update(
        confirmed_at=subscriber.confirmed_at or timezone.now(), unsubscribed_at=None,
        confirmation_sent_at=None,  # the link was used: asking again later gets a new one
    )  # fmt: skip
    response = render(request, "comments/confirm.html", {"email": subscriber.email, "done": True})
    commenter = Commenter.from_request(request)
    commenter.remember_confirmed(subscriber.email)
    commenter.set_cookie(response)
    return response


@csrf_exempt  # the signed token is the credential; mail clients POST it (RFC 8058)
@never_cache
def unsubscribe(request, token):
    """GET shows a button (mail scanners follow links); POST unsubscribes."""
    email = emails.email_from_token(token, emails.UNSUBSCRIBE_SALT)
    subscriber = Subscriber.objects.filter(email=canonical_email(email)).first() if email else None
    if subscriber is None:
        return render(request, "comments/unsubscribe.html", {"invalid": True}, status=400)
    done = request.method == "POST"
    if done:
        Subscriber.objects.filter(pk=subscriber.pk).update(unsubscribed_at=timezone.now())
    return render(request, "comments/unsubscribe.html", {"email": subscriber.email, "done": done})


@cache_control(public=True, max_age=365 * 24 * 60 * 60, immutable=True)
def avatar(request, key):
    """A commenter's identicon: drawn from the key alone, the same forever."""
    if not KEY.fullmatch(key):
        raise Http404("No such avatar.")
    return HttpResponse(identicon_svg(key), content_type="image/svg+xml")


@require_http_methods(["GET"])
@never_cache
def form_seen(request, slug):
    """The comment form's <noscript> image: a browser without JavaScript was shown the
    form now (comments.stamps.seen_cookie), so its sending COMMENTS_MIN_SECONDS later is
    not "too quick", however long ago the shared page it came in was made."""
    article = _open_for_posting(slug)
    if article is None or not comments_are_open(article):
        raise Http404("No comments can be posted here.")
    response = HttpResponse(TRANSPARENT_GIF, content_type="image/gif")
    if value := seen_cookie(article.pk, request.COOKIES.get(SEEN_COOKIE)):
        response.set_cookie(
            SEEN_COOKIE,
            value,
            max_age=settings.COMMENTS_FORM_MAX_AGE,
            path=reverse("comments:post", args=[article.slug]),  # not the shared page's
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )
    return response


@require_http_methods(["GET"])
@never_cache
def fresh_stamp(request, slug):
    """A stamp of this reader's own, from now, as JSON: static/js/site.js asks for it
    when the reader first touches the form. A shared page's stamp is set ahead by as
    long as a cached copy may be served (comments/stamps.py), which a reader who writes
    at once would wait out; their own is ready COMMENTS_MIN_SECONDS after they began.
    A bot gets nothing a fresh page or a reply link doesn't give it."""
    article = _open_for_posting(slug)
    if article is None or not comments_are_open(article):
        raise Http404("No comments can be posted here.")
    stamp = new_stamp(article.pk)
    ready = ready_at(stamp)
    ready_in = max(0.0, ready - time.time()) if ready else 0.0
    return JsonResponse({"stamp": stamp, "ready_in": round(ready_in, 3)})


def permalink(request, slug, pk):
    """A comment's lasting address: sends the reader to the page of threads it is on;
    for a comment taken down since (a mailed link to a reply deleted later), to the
    discussion it was in."""
    comment = get_object_or_404(
        Comment.objects.exclude(status=Comment.Status.SPAM).select_related("article"),
        pk=pk,
        article__slug=slug,
    )
    article = comment.article
    if comment.status == Comment.Status.TRASH and article.is_published():
        messages.info(request, "That comment was removed; here is the discussion it was in.")
        return HttpResponseRedirect(f"{article.get_absolute_url()}#comments")
    if not article.is_published() or not (
        comment.status == Comment.Status.APPROVED or Commenter.from_request(request).wrote(pk)
    ):
        if request.user.is_staff:  # a moderator following a link to a held comment
            return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[pk]))
        raise Http404("No such comment.")
    page = reader_view.page_of(article, pk, request)
    query = f"?cpage={page}" if page > 1 else ""
    return HttpResponseRedirect(f"{article.get_absolute_url()}{query}#comment-{pk}")


@require_http_methods(["GET", "POST"])
def edit_comment(request, pk):
    """Its author changes a comment, within the edit window and before any reply."""
    comment = _own_comment(request, pk)
    refusal = _edit_refusal(comment)
    if refusal:
        return render(request, "comments/own.html", {"comment": comment, "refusal": refusal},
                      status=403)  # fmt: skip
    form = EditCommentForm(comment, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        if form.save(decide(form.candidate())) is None:
            refusal = "This comment was taken down while you were editing it."
            context = {"comment": comment, "refusal": refusal, "kept_text": form.data.get("text")}
            return render(request, "comments/own.html", context, status=409)
        return HttpResponseRedirect(comment.get_absolute_url())
    throttled = form.has_error(NON_FIELD_ERRORS, "throttled")
    context = {"comment": comment, "form": form, "editing": True}
    response = render(request, "comments/own.html", context, status=429 if throttled else 200)
    return retry_after(response, form)


@require_http_methods(["GET", "POST"])
def delete_comment(request, pk):
    """Its author takes a comment down (to the trash, recoverable by moderators)."""
    comment = _own_comment(request, pk)
    if not comment.in_edit_window():
        refusal = "The time to delete this comment has passed; ask us and we will remove it."
        return render(request, "comments/own.html", {"comment": comment, "refusal": refusal},
                      status=403)  # fmt: skip
    if request.method == "POST":
        with transaction.atomic():  # trashed and marked as its author's at once
            Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.TRASH)
            Comment.objects.filter(pk=comment.pk).update(
                deleted_by_author=True, moderation_reason="Deleted by its author."
            )
        messages.info(request, "Your comment was deleted.")
        return HttpResponseRedirect(f"{comment.article.get_absolute_url()}#comments")
    return render(request, "comments/own.html", {"comment": comment, "deleting": True})


def _own_comment(request, pk) -> Comment:
    """A comment this browser wrote (the signed cookie says so) and readers may see or await."""
    if not Commenter.from_request(request).wrote(pk):
        raise Http404("No comment of yours here.")
    return get_object_or_404(Comment.objects.visible_or_awaited().select_related("article"), pk=pk)


def _edit_refusal(comment) -> str:
    if not comment.in_edit_window():
        return (
            f"Comments can be edited for {settings.COMMENTS_EDIT_MINUTES} minutes after "
            "posting, and that time has passed."
        )
    # Replies readers can see, as the page decides whether to offer "Edit": a reply still
    # held (perhaps spam) neither hides the link nor locks the comment.
    if comment.replies.filter(status=Comment.Status.APPROVED).exists():
        return "Someone has replied to this comment, so it stays as they read it."
    return ""
