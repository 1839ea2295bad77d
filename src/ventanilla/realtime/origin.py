"""Which pages may open the socket: the rule of Django's CSRF origin check, on the handshake.

A browser sends the cookie of the console's session with a socket that any page opens, so the
handshake's `Origin` must be the site's own (the same scheme, host and port as the socket's `Host`,
`wss` counting as https) or one of CSRF_TRUSTED_ORIGINS (`https://*.example.com` included), and
the `Host` itself one of ALLOWED_HOSTS. Anything else, a missing header included, is refused.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _own_origin(scope) -> str | None:
    """scheme://host[:port] of the socket, when its Host is allowed (Django's `get_host`)."""
    host = _header(scope, b"host")
    if host is None:
        return None
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, allowed_hosts):
        return None
    return f"{'https' if scope.get('scheme') == 'wss' else 'http'}://{host}"


def _trusted(origin: str) -> bool:
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {pattern for pattern in trusted if "*" not in pattern}:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    wildcards = (urlsplit(pattern) for pattern in trusted if "*" in pattern)
    return any(
        pattern.scheme == parsed.scheme
        and is_same_domain(parsed.netloc, pattern.netloc.lstrip("*"))
        for pattern in wildcards
    )


def origin_allowed(scope) -> bool:
    own, origin = _own_origin(scope), _header(scope, b"origin")
    if own is None or origin is None:
        return False
    return origin == own or _trusted(origin)


class SameOriginOnly:
    """Lets through the sockets `origin_allowed` accepts; denies the handshake of the others."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
