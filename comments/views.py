from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.models import Article
from articles.views import render_article
from comments import discussion, emails
from comments.avatars import KEY, identicon_svg
from comments.forms import REPLAYED, CommentForm, EditCommentForm
from comments.identity import canonical_email
from comments.limits import attempts_message, flood_message
from comments.models import Comment, Subscriber, comments_are_open
from comments.moderation import decide
from comments.visitors import Commenter, forget_details, save_details
from operations.network import client_ip, client_network


@require_http_methods(["GET", "POST"])
def post_comment(request, slug):
    """Check the form, let moderation decide, save, and send the reader to their comment.

    Anything refused re-displays the article with the form, the reader's text
    and a message next to the field that needs it; nothing is lost.
    """
    article = get_object_or_404(Article.objects.published().select_related("author"), slug=slug)
    if request.method == "GET":  # a reload, bookmark or reply link of the page after an error
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return HttpResponseRedirect(f"{article.get_absolute_url()}{query}#respond")
    commenter = Commenter.from_request(request)
    form = CommentForm(
        article, request.POST, user=request.user, own_comment_ids=commenter.comment_ids,
        browser_secret=_csrf_secret(request),
    )  # fmt: skip
    status = _refusal_status(request, form)  # None when the comment may be saved
    if status is None:
        try:
            comment = _save(request, form, commenter)
        except IntegrityError:  # this very form was posted before (double click, replay)
            form.add_error(None, REPLAYED)
            status = 409
        else:
            return _redirect_to_comment(request, form, comment, commenter)
    form.refresh_stamp()
    return render_article(request, article, {"comment_form": form}, status=status)


def _csrf_secret(request) -> str:
    """The browser's CSRF secret (unmasked, from its cookie), once CSRF checks passed."""
    if settings.CSRF_COOKIE_NAME not in request.COOKIES:
        return ""  # no cookie, no secret: a real browser's post is refused before this
    return request.META.get("CSRF_COOKIE", "")


def _refusal_status(request, form) -> int | None:
    if not request.user.is_staff and (message := attempts_message(client_network(request))):
        form.add_error(None, message)
        return 429
    if not comments_are_open(form.article):
        form.closed = True
        return 403
    if not form.is_valid():
        return 200  # a form with errors, as Django's own form views answer
    if not request.user.is_staff and (message := flood_message(client_network(request))):
        form.add_error(None, message)
        return 429
    return None


def _save(request, form, commenter) -> Comment:
    email = form.cleaned_data["email"]
    user_agent = request.headers.get("User-Agent", "").replace("\x00", "")[:500]
    ip_address = client_ip(request)
    verdict = decide(
        form.candidate(
            ip_address=ip_address,
            user_agent=user_agent,
            is_returning=commenter.is_returning(email),
        )
    )
    comment = form.build_comment(
        status=verdict.status,
        moderation_reason=verdict.reason,
        # A staff author is a moderator; the rules approving a comment vouch for nobody.
        approved_by_moderator=form.user is not None and verdict.status == Comment.Status.APPROVED,
        ip_address=ip_address or None,
        user_agent=user_agent,
    )
    comment.save()
    return comment


def _redirect_to_comment(request, form, comment, commenter):
    if comment.status == Comment.Status.SPAM:
        # Said plainly but without saying why, so a bot learns nothing; the text is
        # kept for moderators, who can publish it if the rules got it wrong.
        messages.info(
            request,
            "Thank you. Your comment was received, but it will not appear unless a "
            "moderator approves it.",
        )
        return HttpResponseRedirect(f"{comment.article.get_absolute_url()}#respond")
    commenter.remember_comment(comment.pk)
    response = HttpResponseRedirect(comment.get_absolute_url())
    commenter.set_cookie(response)
    data = form.cleaned_data
    if data.get("save_details"):
        save_details(response, name=data["name"], email=data["email"], website=data["website"])
    elif not request.user.is_staff:
        forget_details(response)
    transaction.on_commit(lambda: emails.notify_moderators(comment))
    if comment.notify:
        network = client_network(request)
        transaction.on_commit(lambda: emails.ask_to_confirm(comment.email, network))
    if comment.status == Comment.Status.APPROVED:
        transaction.on_commit(lambda: emails.notify_reply_approved(comment))
    return response


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    """The double opt-in link. GET asks (mail scanners follow links); the button confirms."""
    email = emails.email_from_token(token, emails.CONFIRM_SALT, emails.CONFIRM_LINK_MAX_AGE)
    subscriber = Subscriber.objects.filter(email=canonical_email(email)).first() if email else None
    if subscriber is None:
        return render(request, "comments/confirm.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "comments/confirm.html", {"email": subscriber.email})
    Subscriber.objects.filter(pk=subscriber.pk).update(
        confirmed_at=subscriber.confirmed_at or timezone.now(), unsubscribed_at=None
    )
    response = render(request, "comments/confirm.html", {"email": subscriber.email, "done": True})
    commenter = Commenter.from_request(request)
    commenter.remember_confirmed(subscriber.email)
    commenter.set_cookie(response)
    return response


@csrf_exempt  # the signed token is the credential; mail clients POST it (RFC 8058)
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


def permalink(request, slug, pk):
    """A comment's lasting address: sends the reader to the page of threads it is on."""
    comment = get_object_or_404(
        Comment.objects.visible_or_awaited().select_related("article"), pk=pk, article__slug=slug
    )
    article = comment.article
    if not article.is_published() or not (
        comment.status == Comment.Status.APPROVED or Commenter.from_request(request).wrote(pk)
    ):
        raise Http404("No such comment.")
    page = discussion.page_of(article, pk, request)
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
    form = EditCommentForm(comment, request.POST or None)
    if request.method == "POST":
        network = client_network(request)
        if (message := attempts_message(network)) is not None:
            form.add_error(None, message)
        elif form.is_valid() and (message := flood_message(network)) is not None:
            form.add_error(None, message)  # an edit is a post: re-rendering costs the same
        elif form.is_valid():
            commenter = Commenter.from_request(request)
            verdict = decide(form.candidate(request, commenter))
            form.save(verdict)
            return HttpResponseRedirect(comment.get_absolute_url())
    return render(request, "comments/own.html", {"comment": comment, "form": form, "editing": True})


@require_http_methods(["GET", "POST"])
def delete_comment(request, pk):
    """Its author takes a comment down (to the trash, recoverable by moderators)."""
    comment = _own_comment(request, pk)
    if not comment.in_edit_window():
        refusal = "The time to delete this comment has passed; ask us and we will remove it."
        return render(request, "comments/own.html", {"comment": comment, "refusal": refusal},
                      status=403)  # fmt: skip
    if request.method == "POST":
        Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.TRASH)
        Comment.objects.filter(pk=comment.pk).update(moderation_reason="deleted by its author")
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
    if comment.replies.exclude(status__in=[Comment.Status.SPAM, Comment.Status.TRASH]).exists():
        return "Someone has replied to this comment, so it stays as they read it."
    return ""
