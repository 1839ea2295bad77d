"""The client's address as sign-in throttling counts it: the peer's, unless the peer is one of
TRUSTED_PROXIES, which add the address they saw to the right of X-Forwarded-For (docs/adr/0004).

Whatever a client writes into that header itself stands to the left of what its proxies append,
so the right-most address that is no trusted proxy is the client's.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error


def trusted_proxies() -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks; ImproperlyConfigured names an entry that is none."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::7]:5555
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:5555
        value = value.split(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    networks = trusted_proxies()
    peer_address = _address(peer)
    if peer_address is None or not _trusted(peer_address, networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    addresses = [_address(part) for part in forwarded if part.strip()]
    for address in reversed(addresses):
        if address is None:  # no proxy appends that: whatever is left of it is the client's word
            return peer
        if not _trusted(address, networks):
            return str(address)
    # every hop is a trusted proxy: the client is one of them (as uvicorn decides it)
    return str(addresses[0]) if addresses else peer
