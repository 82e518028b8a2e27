"""Who is counted, and how one day's visitors are told apart without knowing who they are.

A visitor is ``blake2b(today's salt, network, browser name)``, cut to 64 bits, as
Plausible and Fathom do: the same browser on the same network is one visitor for a
day; tomorrow's salt is another, and today's is deleted once the day is over, so no
code can be traced back to an address or linked to the same reader's other days.
Nothing is stored in the browser.

Left out: browsers that ask not to be tracked (DNT, Global Privacy Control), editors
(the public site never opens a session: only the admin's sign-in does), and robots:
crawlerdetect's list of crawlers, plus what no reading browser does.
"""

import hashlib
import re
import secrets
import time
from datetime import date, datetime, timedelta
from functools import lru_cache
from threading import Lock

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.utils import timezone

from operations.network import client_ip, network_of, user_agent

# Every browser that runs a script or loads an image names itself "Mozilla/5.0 (…".
_BROWSER = re.compile(r"Mozilla/5\.0 \(")
# crawlerdetect's pattern "[a-z0-9\-_]*(bot|crawl|…)" rescans each run of such letters
# from every position: cost grows with the square of the run. No browser's name has a
# run longer than this, so longer ones are robots, found in linear time.
_LONG_WORD = re.compile(r"[a-z0-9\-_]{65}", re.IGNORECASE)
_crawlers = CrawlerDetect()
_salt_lock = Lock()
_salt: tuple = (None, b"", 0.0)  # day, salt, when the day ends (a timestamp)


def not_counted_because(request) -> str:
    """Why this request is not counted ('' when it is)."""
    headers = request.headers
    if headers.get("DNT") == "1" or headers.get("Sec-GPC") == "1":
        return "asks not to be tracked"
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return "an editor's browser"
    if "prefetch" in headers.get("Sec-Purpose", "") + headers.get("Purpose", ""):
        return "a prefetch, not a reader"
    if not headers.get("Accept-Language"):
        return "no browser: it names no language"
    if is_robot(user_agent(request)):
        return "a robot"
    return ""


@lru_cache(maxsize=4096)
def is_robot(agent: str) -> bool:
    """A crawler, a script or anything else that is not a reading browser."""
    if len(agent) > 400 or not _BROWSER.match(agent) or _LONG_WORD.search(agent):
        return True
    return _crawlers.is_crawler(agent)


def visitor_codes(request) -> tuple[date, str, str]:
    """Today, and today's codes for this browser and for its network (which caps floods)."""
    day, salt = todays_salt()
    network = _network_of(client_ip(request))
    browser = hashlib.blake2b(f"{network}\n{user_agent(request)}".encode(), key=salt, digest_size=8)
    place = hashlib.blake2b(f"network\n{network}".encode(), key=salt, digest_size=8)
    return day, browser.hexdigest(), place.hexdigest()


_network_of = lru_cache(maxsize=4096)(network_of)


def todays_salt() -> tuple[date, bytes]:
    """Today and its salt, shared by every worker through the database, read once a day each."""
    global _salt
    day, salt, day_ends = _salt
    if time.time() >= day_ends:
        with _salt_lock:
            today = timezone.localdate()
            if _salt[0] != today:
                tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
                ends = timezone.make_aware(tomorrow).timestamp()
                _salt = (today, _stored_salt(today), ends)
            day, salt, _ = _salt
    return day, salt


def _stored_salt(day) -> bytes:
    from analytics.models import DailySalt

    # get_or_create: when two workers race, the second reads the first's salt.
    salt, _ = DailySalt.objects.get_or_create(day=day, defaults={"salt": secrets.token_bytes(32)})
    return bytes(salt.salt)
