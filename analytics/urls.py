from django.contrib import admin
from django.urls import path

from analytics import views

app_name = "analytics"

# Under the admin's prefix, behind its sign-in (heatblog/urls.py).
urlpatterns = [
    path("", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("<str:table>.csv", admin.site.admin_view(views.export), name="export"),
]
