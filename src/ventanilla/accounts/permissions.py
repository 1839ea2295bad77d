"""Who may do what with people and areas, and the role groups every other domain's rules use."""

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
