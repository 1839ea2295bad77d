"""Who may do what with contacts. Which contacts someone sees at all follows the conversations'
visibility rule (`conversations.contact_selectors`); leads see every contact."""

from django.utils.translation import gettext as _

from ventanilla.accounts.permissions import is_lead
from ventanilla.core.errors import Forbidden
from ventanilla.core.permissions import Permission

MANAGE_CONTACTS = Permission("contacts.manage", allows=is_lead)  # create, import, merge, delete

AGENT_EDITABLE = frozenset({"name", "dni"})


def sees_every_contact(user) -> bool:
    return is_lead(user)


def check_contact_changes(user, fields) -> None:
    """Agents correct a contact's name and DNI only (they learn them in the chat)."""
    if MANAGE_CONTACTS.grants(user):
        return
    refused = sorted(set(fields) - AGENT_EDITABLE)
    if refused:
        message = _("Tu rol solo puede cambiar el nombre y el DNI de un contacto.")
        raise Forbidden(message, {field: [message] for field in refused})
