"""Identicons: a small symmetric pattern per commenter, drawn here, never fetched.

The key is a keyed digest of the commenter's canonical email (identity.email_digest), so the
same person always gets the same picture while nobody can work back to, or test
guesses of, the address: unlike Gravatar's plain hash, and with no request to it.
"""

import hashlib
import re

from comments.identity import canonical_email, email_digest

KEY = re.compile(r"[0-9a-f]{16}")


def avatar_key(email: str) -> str:
    """The same key for every spelling of one mailbox, different keys for look-alikes."""
    return email_digest(canonical_email(email) or "anonymous")[:16]


def identicon_svg(key: str) -> str:
    """A 5×5 mirrored pattern in one colour, as SVG."""
    digest = hashlib.sha256(key.encode()).digest()
    hue = digest[0] * 360 // 256
    cells = []
    for row in range(5):
        for column in range(3):
            if digest[1 + row * 3 + column] % 2:
                cells.append((column, row))
                if column < 2:
                    cells.append((4 - column, row))
    rects = "".join(f'<rect x="{x + 1}" y="{y + 1}" width="1" height="1"/>' for x, y in cells)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" shape-rendering="crispEdges">'
        f'<rect width="7" height="7" fill="hsl({hue} 45% 90%)"/>'
        f'<g fill="hsl({hue} 55% 38%)">{rects}</g></svg>'
    )
