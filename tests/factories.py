"""Small builders for test data: sensible defaults, any field overridable."""

import itertools
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article

_counter = itertools.count(1)


def make_user(**overrides):
    n = next(_counter)
    overrides.setdefault("username", f"user{n}")
    overrides.setdefault("email", f"user{n}@example.com")
    password = overrides.pop("password", "correct horse battery staple")
    user = get_user_model()(**overrides)
    user.set_password(password)
    user.save()
    return user


def make_staff(**overrides):
    overrides.setdefault("is_staff", True)
    overrides.setdefault("is_superuser", True)
    overrides.setdefault("first_name", "Ada")
    overrides.setdefault("last_name", "Editor")
    return make_user(**overrides)


def make_article(**overrides):
    n = next(_counter)
    overrides.setdefault("title", f"Article number {n}")
    overrides.setdefault("slug", f"article-{n}")
    overrides.setdefault("body", f"First paragraph of article {n}.\n\n## A section\n\nMore words.")
    overrides.setdefault("status", Article.Status.PUBLISHED)
    overrides.setdefault("published_at", timezone.now() - timedelta(days=1))
    if "author" not in overrides:
        overrides["author"] = make_user()
    return Article.objects.create(**overrides)


def make_comment(**overrides):
    """An approved comment on a fresh article unless told otherwise."""
    from comments.models import Comment

    n = next(_counter)
    if "article" not in overrides:
        overrides["article"] = make_article()
    overrides.setdefault("name", f"Reader {n}")
    overrides.setdefault("email", f"reader{n}@example.com")
    overrides.setdefault("text", f"Comment number {n}: the coffee shop scene still holds up.")
    overrides.setdefault("status", Comment.Status.APPROVED)
    comment = Comment(**overrides)
    comment.save()
    return comment


def comment_data(article, **overrides):
    """A valid "Leave a Comment" submission, as a browser would send it."""
    from comments.forms import CommentForm

    data = {
        # Every page a browser loads carries its own masked CSRF token.
        "csrfmiddlewaretoken": secrets.token_hex(32),
        "text": "The diner scene is the best thing Mann ever shot.",
        "name": "Vincent",
        "email": "vincent@example.com",
        "website": "",
        "parent": "",
        "stamp": CommentForm(article).new_stamp(ago=60),
        "contact_by_fax": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_comment(client, article, **overrides):
    """Send the "Leave a Comment" form for ``article`` as a browser would."""
    from django.urls import reverse

    return client.post(
        reverse("comments:post", args=[article.slug]), comment_data(article, **overrides)
    )


def make_follower(email=None, *, confirmed=True, **overrides):
    """A follower by email, confirmed unless told otherwise."""
    from followers.models import Follower

    overrides.setdefault("email", email or f"follower{next(_counter)}@example.com")
    if confirmed:
        overrides.setdefault("confirmed_at", timezone.now() - timedelta(days=1))
    return Follower.objects.create(**overrides)
