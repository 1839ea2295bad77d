"""Who may do what with satisfaction surveys (docs/security.md#who-may-do-what)."""

from ventanilla.accounts.permissions import is_admin
from ventanilla.core.permissions import Permission

# turning an area's survey on or off and wording its questions; reading it is for anyone signed in
MANAGE_SURVEYS = Permission("surveys.manage", allows=is_admin)
