from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from heatblog.views import favicon, media, robots_txt

handler400 = "heatblog.views.bad_request"
handler403 = "heatblog.views.permission_denied"
handler404 = "heatblog.views.page_not_found"
handler500 = "heatblog.views.server_error"

urlpatterns = [
    path("robots.txt", robots_txt),
    path("favicon.ico", favicon),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("articles.urls")),
    path("", include("comments.urls")),
]

if settings.MEDIA_URL.startswith("/"):  # uploads on this server (not object storage)
    urlpatterns.append(path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", media))
