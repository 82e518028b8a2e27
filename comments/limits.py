"""How often one network may post, try, or make the blog send mail.

Every limit counts per network (an IPv4 address or an IPv6 /64, operations/network.py)
in PostgreSQL (operations/limits.py), so it holds across every worker and machine.
Each function returns the message to show the reader, or None when they may go on.
"""

import time

from django.conf import settings

from comments.identity import email_digest
from operations.limits import Wait, over, wait_seconds

MAILS_PER_RECIPIENT_PER_DAY = 3
DAY = 24 * 60 * 60


def attempts_message(network: str) -> str | None:
    """Count every post from a network, valid or not, and stop a guessing machine.

    Flood control only counts comments that pass the form; this ceiling
    (COMMENTS_ATTEMPTS_PER_MINUTE) also stops someone probing the form with
    invalid posts. A person fixing a typo never comes near it.
    """
    if over(f"comments:attempts:{network}", settings.COMMENTS_ATTEMPTS_PER_MINUTE, 60):
        # A minute, as said: the time left to the second would tell when someone else
        # on the same network first tried (as _flood rounds its wait).
        return Wait("Too many attempts from your connection. Please wait a minute and try again.",
                    60)  # fmt: skip
    return None


def flood_message(network: str) -> str | None:
    """Take this network's slot for a new comment; or say why it must wait.

    One per COMMENTS_FLOOD_SECONDS and COMMENTS_HOURLY_LIMIT an hour per network.
    """
    return _flood(
        f"comments:flood:{network}",
        "You are posting comments too quickly. Please wait {seconds}, then send "
        "it again: your comment is kept below.",
    ) or _hourly_message(network)


def edit_flood_message(network: str) -> str | None:
    """Take this network's slot for an edit; or say why it must wait.

    Edits have a flood slot of their own (fixing a typo just after posting is what
    authors do) and count in the same hourly limit as new comments.
    """
    return _flood(
        f"comments:edit-flood:{network}",
        "You are changing comments too quickly. Please wait {seconds}, then save again.",
    ) or _hourly_message(network)


def _flood(key: str, message: str) -> str | None:
    """One action per COMMENTS_FLOOD_SECONDS under this key (none counted when 0); the
    message says how long is left of the window, in steps of 5 seconds: to the second,
    it told anyone sharing the network when someone else there had just posted."""
    seconds = settings.COMMENTS_FLOOD_SECONDS
    if wait := wait_seconds(key, 1 if seconds else 0, seconds):
        said = min(-(-wait // 5) * 5, seconds)
        return Wait(message.format(seconds=_counted(said, "second")), said)
    return None


def _hourly_message(network: str) -> str | None:
    """Take one of the network's COMMENTS_HOURLY_LIMIT an hour, new comments and edits
    alike; or say it has used them, and when the next one comes."""
    limit = settings.COMMENTS_HOURLY_LIMIT
    if wait := wait_seconds(f"comments:hour:{network}", limit, 3600):
        minutes = -(-wait // 60)
        return Wait(
            f"You have posted or changed {limit} comments in the last hour, the most we "
            f"accept. Please come back in {_counted(minutes, 'minute')}.",
            minutes * 60,
        )
    return None


def _counted(n: int, unit: str) -> str:
    return f"{n} {unit}{'s' if n != 1 else ''}"


TOO_MANY_MAILS = (
    "We have sent as many confirmation mails as we can today, to that address or "
    "for your connection. Please try again tomorrow."
)


def too_many_mails() -> Wait:
    """TOO_MANY_MAILS, to try again when the day (UTC) the caps count turns."""
    return Wait(TOO_MANY_MAILS, DAY - int(time.time()) % DAY)


def mail_allowed(network: str, recipient: str) -> bool:
    """May a reader's action send one more mail (a confirmation, a privacy link)?

    At most COMMENTS_CONFIRMATIONS_PER_DAY from one network and
    MAILS_PER_RECIPIENT_PER_DAY to one canonical address a day, so nobody can use
    the blog to flood a stranger's inbox, from one connection or from many.
    """
    day = int(time.time() // DAY)
    return not over(
        f"mail:from:{network}:{day}", settings.COMMENTS_CONFIRMATIONS_PER_DAY, DAY
    ) and not over(f"mail:to:{email_digest(inbox(recipient))}:{day}", MAILS_PER_RECIPIENT_PER_DAY,
                   DAY)  # fmt: skip


def inbox(canonical: str) -> str:
    """The inbox a canonical address reaches, for counting mails to it (not an identity).

    Most providers deliver ``ann+anything@`` to ``ann@`` (RFC 5233 subaddresses), and
    Gmail ignores dots: counted apart, each spelling would add its own daily mails.
    """
    local, _, domain = canonical.rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


_DOTLESS_DOMAINS = {"gmail.com", "googlemail.com"}
