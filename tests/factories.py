"""Small builders for test data: sensible defaults, any field overridable."""

import itertools
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
