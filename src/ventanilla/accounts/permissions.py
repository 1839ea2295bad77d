"""Who may do what with people and areas, and the role groups every other domain's rules use."""

from django.utils.translation import gettext as _

from ventanilla.accounts.models import AGENT_ROLES, Role
from ventanilla.core.permissions import Permission

LEADS = frozenset({Role.ADMIN, Role.SUPERVISOR})  # they oversee areas, not only their own chats
TAKES_CONVERSATIONS = AGENT_ROLES | {Role.SUPERVISOR}  # admins oversee; they are not handed chats


def is_admin(user) -> bool:
    return user.role == Role.ADMIN


def is_lead(user) -> bool:
    return user.role in LEADS


MANAGE_USERS = Permission("accounts.manage-users", allows=is_admin)
MANAGE_AREAS = Permission("accounts.manage-areas", allows=is_admin)


def signed_in_by_session(user) -> bool:
    """Tokens are made and revoked from a signed-in session, never with a token: a stolen token
    cannot mint itself a longer life."""
    return getattr(user, "api_token", None) is None


def _tokens_refusal() -> str:
    return _("Los tokens se administran con una sesión iniciada, no con un token.")


MANAGE_OWN_TOKENS = Permission(
    "accounts.own-tokens", allows=signed_in_by_session, refusal=_tokens_refusal
)
MANAGE_USERS_TOKENS = Permission(
    "accounts.users-tokens", allows=lambda user: is_admin(user) and signed_in_by_session(user)
)

SEE_AUDIT = Permission("accounts.see-audit", allows=is_admin)
