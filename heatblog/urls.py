from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from operations.crawlers import favicon, robots_txt
from operations.media import media

handler400 = "operations.errors.bad_request"
handler403 = "operations.errors.permission_denied"
handler404 = "operations.errors.page_not_found"
handler500 = "operations.errors.server_error"

# The admin is the editors' and moderators' desk: it says whose.
admin.site.site_header = admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Write, moderate and see who reads"

urlpatterns = [
    path("robots.txt", robots_txt),
    path("favicon.ico", favicon),
    path(f"{settings.ADMIN_URL}readers/", include("analytics.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("articles.urls")),
    path("", include("comments.urls")),
    path("", include("followers.urls")),
]

if settings.MEDIA_URL.startswith("/"):  # uploads on this server (not object storage)
    urlpatterns.append(path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", media))
