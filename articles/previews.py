"""Preview links: a draft or scheduled article shown to someone without an account.

The editor copies the link from the article's page in the admin and sends it to a
co-author, a fact-checker or the person quoted. The link is signed (Django's
signing, SECRET_KEY) and names the article, so it can't be guessed or pointed at
another; it works for PREVIEW_LINK_DAYS, then says it has expired. Once the article
is published it leads to the public page.
"""

from django.core import signing
from django.urls import reverse

from articles.templatetags.articles import absolute

PREVIEW_LINK_DAYS = 7
_SALT = "articles.preview"


def preview_url(article) -> str:
    token = signing.dumps(article.pk, salt=_SALT)
    return absolute(reverse("articles:preview", kwargs={"token": token}))


def previewed_article_id(token: str) -> int | None:
    """The article a preview link names; None if forged, mangled or expired."""
    try:
        pk = signing.loads(token, salt=_SALT, max_age=PREVIEW_LINK_DAYS * 24 * 60 * 60)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return pk if isinstance(pk, int) else None
