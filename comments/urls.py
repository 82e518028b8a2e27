from django.urls import path

from articles.views import redirect_moved
from comments import feeds, privacy, views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comment/", views.post_comment, name="post"),
    path("articles/<slug:slug>/comment/stamp/", views.fresh_stamp, name="stamp"),
    path("articles/<slug:slug>/comment/seen.gif", views.form_seen, name="seen"),
    # An article's old address (a slug an editor changed) leads to these under its new one.
    path(
        "articles/<slug:slug>/comments/feed/",
        redirect_moved(feeds.ArticleCommentsFeed()),
        name="feed",
    ),
    path(
        "articles/<slug:slug>/comments/<int:pk>/",
        redirect_moved(views.permalink),
        name="permalink",
    ),
    path("comments/<int:pk>/edit/", views.edit_comment, name="edit"),
    path("comments/<int:pk>/delete/", views.delete_comment, name="delete"),
    path("comments/confirm/<str:token>/", views.confirm_email, name="confirm"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("avatars/<str:key>.svg", views.avatar, name="avatar"),
    path("privacy/", privacy.privacy_page, name="privacy"),
    path("privacy/request/", privacy.privacy_request, name="privacy_request"),
    path("privacy/confirm/<str:token>/", privacy.privacy_confirm, name="privacy_confirm"),
]
