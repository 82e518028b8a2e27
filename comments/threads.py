"""A flat list of approved comments to the nested list readers see."""

from dataclasses import dataclass

from django.conf import settings


@dataclass
class Entry:
    comment: object
    depth: int  # 1 for a top-level comment
    has_children: bool = False
    closes: int = 0  # how many nested lists end after this comment
    reply_to_name: str = ""  # set when nesting stopped at the deepest level
    is_placeholder: bool = False  # stands for a removed comment that has replies

    @property
    def closing_tags(self) -> str:
        return "</ol></li>" * self.closes


@dataclass
class _Removed:
    """Stands in for a comment that is gone but still has visible replies."""

    pk: int


def build_thread(comments, max_depth: int | None = None) -> list[Entry]:
    """Order comments as threads: each followed by its replies, oldest first.

    Replies deeper than ``max_depth`` are shown at the deepest level, after the
    comment they answer, with "in reply to NAME" (as WordPress does). A reply
    whose parent is not visible hangs under a "This comment was removed." entry.
    A loop, not recursion: a chain of thousands of replies is just a long list.
    """
    max_depth = max_depth or settings.COMMENTS_MAX_DEPTH
    by_id = {c.pk: c for c in comments}
    children: dict[int | None, list] = {}
    for comment in comments:
        parent_id = comment.parent_id
        if parent_id is not None and parent_id not in by_id:
            by_id[parent_id] = _Removed(parent_id)
            children.setdefault(None, []).append(by_id[parent_id])
        children.setdefault(parent_id, []).append(comment)

    entries: list[Entry] = []
    # Comments arrive oldest first; a placeholder takes its first reply's place.
    stack = [(root, 1, "") for root in reversed(children.get(None, []))]
    open_lists: list[int] = []  # depth of each comment whose nested list is still open
    while stack:
        node, depth, reply_to_name = stack.pop()
        while open_lists and open_lists[-1] >= depth:
            open_lists.pop()
            entries[-1].closes += 1
        entry = Entry(node, depth, reply_to_name=reply_to_name)
        entry.is_placeholder = isinstance(node, _Removed)
        entries.append(entry)
        replies = children.get(node.pk, [])
        if depth < max_depth:
            entry.has_children = bool(replies)
            if replies:
                open_lists.append(depth)
            stack.extend((reply, depth + 1, "") for reply in reversed(replies))
        else:
            name = getattr(node, "name", "")
            stack.extend((reply, depth, name) for reply in reversed(replies))
    if entries:
        entries[-1].closes += len(open_lists)
    return entries
