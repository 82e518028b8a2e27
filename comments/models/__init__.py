"""The comments app's models: a comment (comment.py) with its queries (queries.py) and
the light records pages are built from (thread.py), the keywords moderators keep
(keyword.py), and the addresses that asked to hear of replies (subscriber.py)."""

from comments.models.comment import Comment, comments_are_open
from comments.models.keyword import ModerationKeyword
from comments.models.queries import CommentQuerySet, approved_thread, refresh_discussion
from comments.models.subscriber import Subscriber
from comments.models.thread import ApprovedComment, ShownAuthor, ThreadComment

__all__ = [
    "ApprovedComment",
    "Comment",
    "CommentQuerySet",
    "ModerationKeyword",
    "ShownAuthor",
    "Subscriber",
    "ThreadComment",
    "approved_thread",
    "comments_are_open",
    "refresh_discussion",
]
