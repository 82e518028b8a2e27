"""An email address as an identity: one canonical form, compared exactly.

The same mailbox can be typed many ways (``Rita@Gmail.COM``); different mailboxes
can look alike (``rita@gmaıl.com``, with a dotless ı, is a domain anyone can
register). Comparing addresses case-insensitively in the database is wrong both
ways: PostgreSQL's UPPER() maps ı to I and ſ to S, so ``gmaıl.com`` would "match"
``gmail.com``. So every address is reduced once, in Python, to the form mail is
actually delivered to, stored in its own indexed column, and compared with ``=``:

- the domain is IDNA-encoded (``gmaıl.com`` -> ``xn--gmal-nza.com``) and lower-cased;
- the local part is lower-cased in ASCII only (A-Z), nothing else touched.

Mail the blog sends for an identity (confirmations, privacy links, reply notices)
goes to this canonical form too, so whoever proves an address owns exactly it.
"""

import hashlib
import hmac

from django.conf import settings

MAX_LENGTH = 254  # RFC 5321's limit on a forward path, the longest address mail can reach
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def canonical_email(address: str) -> str:
    """The canonical form of an address; '' for anything that is not one.

    >>> canonical_email("Rita@GMAIL.com")
    'rita@gmail.com'
    >>> canonical_email("rita@gmaıl.com")
    'rita@xn--gmal-nza.com'
    """
    address = (address or "").strip()
    if len(address) > MAX_LENGTH:  # before IDNA, whose Unicode normalisation is quadratic
        return ""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return ""
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:  # an empty label, a label over 63 characters, a bad code point
        return ""
    return f"{local.translate(_ASCII_LOWER)}@{ascii_domain.translate(_ASCII_LOWER)}"


def at_a_domain_name(canonical: str) -> bool:
    """Whether a canonical address is at a domain name, not an IP address or a bare host.

    ``user@[192.0.2.1]``, ``root@localhost`` and ``user@１９２.０.２.１`` (which IDNA turns
    into 192.0.2.1) are addresses, but no reader has one, and mail to them would go
    wherever a stranger points it. Judged on the canonical form, as mail is sent to it.
    """
    domain = canonical.rpartition("@")[2].rstrip(".")
    labels = domain.split(".")
    return len(labels) > 1 and all(labels) and not labels[-1].isdigit() and "[" not in domain


def email_digest(canonical: str) -> str:
    """A keyed digest of a canonical address: recognisable by us, useless to anyone else."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()[:20]


class StoredCanonically:
    """Model mixin: its ``email`` is saved in canonical form, the one mail goes to and
    every lookup compares with."""

    def save(self, *args, **kwargs):
        self.email = canonical_email(self.email)
        super().save(*args, **kwargs)
