"""Who is asking, as far as the network tells: the client's IP address and its network.

Limits count per network, not per address: an IPv6 user is normally given a whole
/64 (18 quintillion addresses), so counting per /128 would let anyone rotate past
every limit. IPv4 addresses count one by one.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The reader's IP address, taking the configured number of trusted proxies into account."""
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    candidate = forwarded[-hops] if hops and len(forwarded) >= hops else ""
    for ip in (candidate, request.META.get("REMOTE_ADDR", "")):
        if "%" in ip:  # a scoped IPv6 address means nothing outside its host
            continue
        try:
            return str(ipaddress.ip_address(ip))
        except ValueError:
            continue
    return ""


def network_of(ip: str) -> str:
    """The unit limits count by: an IPv4 address, or the first address of an IPv6 /64.

    The result is itself a valid IP address, so it can be stored where an address is
    expected (django-axes keeps it in an inet column).
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""  # unknown: every such client shares one count
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)


def client_network(request) -> str:
    """The client's network (see network_of): what django-axes and every limit count by."""
    return network_of(client_ip(request))


def user_agent(request) -> str:
    """The browser's name as moderators see it: no NUL, at most 500 characters."""
    return request.headers.get("User-Agent", "").replace("\x00", "")[:500]
