from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control


@cache_control(public=True, max_age=24 * 60 * 60)
def robots_txt(request):
    """Crawl everything public; not the admin, search results or comment forms."""
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /search/",
        "Disallow: /comments/",
        "Disallow: /articles/*/comment/",
        f"Sitemap: {settings.SITE_URL.rstrip('/')}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def csrf_failure(request, reason=""):
    """A 403 that explains itself and hands back whatever the reader wrote."""
    return render(
        request,
        "403_csrf.html",
        {"kept_text": request.POST.get("text", "") if request.method == "POST" else ""},
        status=403,
    )
