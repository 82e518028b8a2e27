"""Preview links: a draft or scheduled article shown to someone without an account.

The editor copies the link from the article's page in the admin and sends it to a
co-author, a fact-checker or the person quoted. The link is signed (Django's
signing, SECRET_KEY) and names the article and its preview key, so it can't be
guessed or pointed at another; it works for PREVIEW_LINK_DAYS, then says it has
expired. "Stop the preview links given so far" in the admin makes a new key: links
given earlier stop working. Once the article is out, a link leads to its public page;
taking it back to draft makes a new key, so the links given before stay dead.
"""

import secrets

from django.core import signing
from django.urls import reverse

from articles.models import Article
from articles.templatetags.articles import absolute

PREVIEW_LINK_DAYS = 7
_SALT = "articles.preview"


def preview_url(article) -> str:
    """A link to this unpublished article (it gets its preview key if it has none)."""
    if not article.preview_key:
        article.preview_key = secrets.token_urlsafe(16)
        Article.objects.filter(pk=article.pk).update(preview_key=article.preview_key)
    token = signing.dumps([article.pk, article.preview_key], salt=_SALT)
    return absolute(reverse("articles:preview", kwargs={"token": token}))


def previewed_article(token: str):
    """The article a preview link names, if the link is still good: None if forged,
    mangled, expired, or stopped (its article has another key now). A published
    article whatever its key: the view sends the reader to its public page."""
    try:
        named = signing.loads(token, salt=_SALT, max_age=PREVIEW_LINK_DAYS * 24 * 60 * 60)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not (isinstance(named, list) and len(named) == 2):
        return None
    pk, key = named
    if not (isinstance(pk, int) and isinstance(key, str) and key):
        return None
    article = Article.objects.for_reading().filter(pk=pk).first()
    if article is None or article.is_published():
        return article
    return article if secrets.compare_digest(article.preview_key, key) else None
