from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from followers import emails, tasks
from followers.forms import FollowForm
from followers.models import Follower
from operations.limits import retry_after


@require_http_methods(["GET", "POST"])
def follow(request):
    """The form on its own page (GET); a POST from any follow form queues the
    confirmation mail and says so, the same whether or not the address follows."""
    if request.method == "GET":
        return render(request, "followers/follow.html", {"form": FollowForm()})
    form = FollowForm(request.POST, request=request)
    if not form.is_valid():
        page = render(request, "followers/follow.html", {"form": form}, status=form.refusal_status)
        return retry_after(page, form)
    if not form.tripped_bot_trap:  # a bot is told the same and nothing is sent
        tasks.ask_to_confirm.enqueue(form.address)
    return render(request, "followers/follow.html", {"form": FollowForm(), "sent_to": form.address})


@require_http_methods(["GET", "POST"])
@never_cache  # it names the reader's address: no copy kept anywhere
def confirm(request, token):
    """The double opt-in link. GET asks (mail scanners follow links); the button confirms."""
    email = emails.email_from_token(token, emails.CONFIRM_SALT, emails.CONFIRM_LINK_MAX_AGE)
    follower = Follower.objects.filter(email=email).first() if email else None
    if follower is None:
        return render(request, "followers/confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        Follower.objects.filter(pk=follower.pk).update(
            confirmed_at=timezone.now() if not follower.gets_articles else follower.confirmed_at,
            unsubscribed_at=None, unsubscribed_because="", hard_bounces=0,
            # The link was used: following again (after unsubscribing) gets a new one the
            # same day. The day's guard is for links nobody follows.
            confirmation_sent_at=None,
        )  # fmt: skip
    # The link followed again once confirmed: say so, rather than ask again.
    already = request.method == "GET" and follower.gets_articles
    context = {"email": follower.email, "done": request.method == "POST" or already,
               "already": already}  # fmt: skip
    return render(request, "followers/confirm.html", context)


@csrf_exempt  # the signed token is the credential; mail providers POST it (RFC 8058)
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request, token):
    """GET shows a button (mail scanners follow links); POST unsubscribes, with no sign-in."""
    email = emails.email_from_token(token, emails.UNSUBSCRIBE_SALT)
    if not email:
        return render(request, "followers/unsubscribe.html", {"invalid": True}, status=400)
    following = Follower.objects.filter(email=email, unsubscribed_at__isnull=True)
    if request.method == "POST":
        following.update(
            unsubscribed_at=timezone.now(), unsubscribed_because=Follower.Reason.READER
        )
    # The link followed again once unsubscribed: say it is done, rather than ask again.
    done = request.method == "POST" or not following.exists()
    return render(request, "followers/unsubscribe.html", {"email": email, "done": done})
