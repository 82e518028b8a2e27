from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from heatblog.views import robots_txt

handler400 = "heatblog.views.bad_request"
handler403 = "heatblog.views.permission_denied"
handler404 = "heatblog.views.page_not_found"
handler500 = "heatblog.views.server_error"

urlpatterns = [
    path("robots.txt", robots_txt),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("articles.urls")),
    path("", include("comments.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
