"""Where a webhook may be sent (docs/adr/0028): http or https, and, unless
WEBHOOKS_ALLOW_PRIVATE_TARGETS, only to public addresses. A desk inside a private network must
not become a way to reach that network (SSRF): loopback, private, link-local (cloud metadata at
169.254.169.254), shared, reserved and multicast addresses are refused, when the subscription is
saved and again before every request (a name may resolve elsewhere later)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def _port(parts) -> int:
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return -1


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def url_problem(url: str) -> str | None:
    """Why `url` is not a target a webhook may have (its form only), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Usá una dirección http:// o https:// completa.")
    if _port(parts) < 0:
        return _("El puerto de la dirección no es válido.")
    if parts.username or parts.password:
        return _("Sin usuario ni contraseña en la dirección: el secreto firma cada envío.")
    return None


def address_problem(url: str) -> str | None:
    """Why a request to `url` must not be made now (its host resolves to an address that is not
    public), or None. Nothing is resolved when private targets are allowed."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return None
    parts = urlsplit(url)
    try:
        addresses = _addresses(parts.hostname or "", _port(parts))
    except (OSError, UnicodeError):
        return _("No se pudo resolver el nombre %(host)s.") % {"host": parts.hostname}
    if not addresses or not all(_public(address) for address in addresses):
        return _(
            "La dirección apunta a una red privada o local; solo se permiten direcciones "
            "públicas (WEBHOOKS_ALLOW_PRIVATE_TARGETS)."
        )
    return None
