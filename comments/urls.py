from django.urls import path

from comments import feeds, views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comment/", views.post_comment, name="post"),
    path("articles/<slug:slug>/comments/feed/", feeds.ArticleCommentsFeed(), name="feed"),
    path("comments/confirm/<str:token>/", views.confirm_email, name="confirm"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("avatars/<str:key>.svg", views.avatar, name="avatar"),
]
