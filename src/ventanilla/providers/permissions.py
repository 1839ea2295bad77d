"""Who may do what with the WhatsApp lines. Everyone signed in sees their state (the dashboard)."""

from ventanilla.accounts.permissions import is_admin, is_lead
from ventanilla.core.permissions import Permission

MANAGE_LINES = Permission("providers.manage-lines", allows=is_admin)  # credentials, names
RUN_SESSIONS = Permission("providers.run-sessions", allows=is_admin)  # start, stop, QR, metadata
PAUSE_LINES = Permission("providers.pause", allows=is_lead)  # the bot of a line, on and off
SYNC_TEMPLATES = Permission("providers.sync-templates", allows=is_admin)  # read them from Meta now
