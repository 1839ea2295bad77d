"""Who may do what with the bot's flows. Everyone signed in reads them and tries them out."""

from ventanilla.accounts.permissions import is_lead
from ventanilla.core.permissions import Permission

EDIT_FLOWS = Permission("flows.edit", allows=is_lead)
