"""What a permission is. Each domain declares its own in its `permissions` module (who may edit
flows in `flows.permissions`, who may reopen in `conversations.permissions`, ...); the API, the
console, the templates and the socket ask those, never a role directly. Every API operation and
console page declares the one it needs (`api.security.requires`, `web.access.requires`), and a test
walks every route to prove it (docs/security.md, "Who may do what").
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ventanilla.core.errors import Forbidden

_DECLARED: dict[str, "Permission"] = {}


def refused_text() -> str:
    return _("Tu rol no puede hacer esto.")


@dataclass(frozen=True)
class Permission:
    """A named rule: `allows(user)` answers for a signed-in, active user. `allows` may raise
    NotFound when the thing asked about does not exist in this installation."""

    code: str
    allows: Callable = field(compare=False)
    anonymous: bool = False  # nobody needs to be signed in (sign-in, health, webhooks)
    refusal: Callable | None = field(default=None, compare=False)  # the text of a refusal

    def __post_init__(self):
        _DECLARED[self.code] = self

    def grants(self, user) -> bool:
        if self.anonymous:
            return True
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return bool(self.allows(user))

    def check(self, user) -> None:
        if not self.grants(user):
            raise Forbidden((self.refusal or refused_text)())


def declared(code: str) -> Permission:
    """The permission named `code` (for templates, which name them as strings)."""
    return _DECLARED[code]


PUBLIC = Permission("public", allows=lambda user: True, anonymous=True)
SIGNED_IN = Permission("signed-in", allows=lambda user: True)
