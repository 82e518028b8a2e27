from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comment/", views.post_comment, name="post"),
    path("comments/confirm/<str:token>/", views.confirm_email, name="confirm"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
