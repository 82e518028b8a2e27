"""The rules that decide whether a new comment is approved, held, or spam.

Each rule is a small function that looks at a Candidate and either returns a
Verdict or None (no opinion). ``decide`` asks them in order; the first verdict
wins. Reasons are written for the commenter ("it contains 2 links") and shown
to moderators as they are.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.cache import cache

from comments.models import Comment, ModerationKeyword
from comments.normalise import normalise
from comments.rendering import count_links


@dataclass(frozen=True)
class Candidate:
    name: str
    email: str
    website: str
    text: str
    ip_address: str = ""
    user_agent: str = ""
    is_staff: bool = False
    is_returning: bool = False
    tripped_bot_trap: bool = False
    keywords: tuple[tuple[str, str], ...] = ()  # (phrase, action) from ModerationKeyword

    def contains(self, phrase: str) -> bool:
        """Whether a field reads ``phrase``, however it is spelled (see comments.normalise)."""
        needle = normalise(phrase)
        return bool(needle) and any(needle in field for field in self._as_read)

    @cached_property
    def _as_read(self) -> tuple[str, ...]:
        # Once per comment, not once per keyword: a blog may keep hundreds.
        fields = (self.name, self.email, self.website, self.text, self.ip_address, self.user_agent)
        return tuple(normalise(field) for field in fields)


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str

    @property
    def is_held(self) -> bool:
        return self.status == Comment.Status.PENDING


Rule = Callable[[Candidate], Verdict | None]


def caught_by_bot_trap(candidate: Candidate) -> Verdict | None:
    if candidate.tripped_bot_trap:
        return Verdict(Comment.Status.SPAM, "it filled in a field that is hidden from people")
    return None


def has_disallowed_keyword(candidate: Candidate) -> Verdict | None:
    if _matching(candidate, ModerationKeyword.Action.SPAM):
        return Verdict(Comment.Status.SPAM, "it contains a word or phrase this blog does not allow")
    return None


def written_by_staff(candidate: Candidate) -> Verdict | None:
    if candidate.is_staff:
        return Verdict(Comment.Status.APPROVED, "written by a member of staff")
    return None


def has_too_many_links(candidate: Candidate) -> Verdict | None:
    links = count_links(candidate.text) + count_links(candidate.name)
    if links >= settings.COMMENTS_MAX_LINKS:
        return Verdict(Comment.Status.PENDING, f"it contains {links} links")
    return None


def has_moderation_keyword(candidate: Candidate) -> Verdict | None:
    if _matching(candidate, ModerationKeyword.Action.HOLD):
        return Verdict(Comment.Status.PENDING, "it contains a word or phrase we check by hand")
    return None


def is_first_comment(candidate: Candidate) -> Verdict | None:
    if settings.COMMENTS_FIRST_TIME_HELD and not candidate.is_returning:
        return Verdict(
            Comment.Status.PENDING,
            "a person reads the first comment from each address before it appears",
        )
    return None


RULES: tuple[Rule, ...] = (
    caught_by_bot_trap,
    has_disallowed_keyword,
    written_by_staff,
    has_too_many_links,
    has_moderation_keyword,
    is_first_comment,
)


def decide(candidate: Candidate, rules: Iterable[Rule] = RULES) -> Verdict:
    """The first rule with an opinion decides; with none, the comment is approved."""
    for rule in rules:
        if verdict := rule(candidate):
            return verdict
    reason = "a returning commenter" if candidate.is_returning else "no rule held it"
    return Verdict(Comment.Status.APPROVED, reason)


KEYWORDS_CACHE_KEY = "comments:keywords"


def keywords() -> tuple[tuple[str, str], ...]:
    """The moderation word lists editors keep in the admin (cached; saving them clears it)."""
    found = cache.get(KEYWORDS_CACHE_KEY)
    if found is None:
        found = tuple(ModerationKeyword.objects.values_list("phrase", "action"))
        cache.set(KEYWORDS_CACHE_KEY, found, timeout=60)
    return found


def forget_keywords(**kwargs) -> None:
    cache.delete(KEYWORDS_CACHE_KEY)


def _matching(candidate: Candidate, action: str) -> bool:
    return any(candidate.contains(phrase) for phrase, kind in candidate.keywords if kind == action)
