"""Who may do what with outgoing webhooks: admins alone (a subscription sees every conversation,
whatever the visibility rule, so it is an admin's decision)."""

from ventanilla.accounts.permissions import is_admin
from ventanilla.core.permissions import Permission

MANAGE_WEBHOOKS = Permission("integrations.manage-webhooks", allows=is_admin)
