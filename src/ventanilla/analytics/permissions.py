"""Who may read the desk's figures: the leads, over the conversations they may see."""

from ventanilla.accounts.permissions import is_lead
from ventanilla.core.permissions import Permission

SEE_ANALYTICS = Permission("analytics.see", allows=is_lead)
