"""Reads of contacts as a given user may see them (docs/product.md#the-visibility-rule).

Administrators and supervisors see every contact; agents only the contacts of conversations they
can see (conversations.visibility). A contact an agent may not see is "not found", never
"forbidden", so its existence does not leak. These live here, not in contacts/, because they need
conversations, a higher layer.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ventanilla.contacts import selectors
from ventanilla.contacts.models import Contact
from ventanilla.contacts.permissions import sees_every_contact
from ventanilla.conversations.models import Conversation
from ventanilla.conversations.visibility import Viewer, visible_filter
from ventanilla.core.errors import NotFound


def _visible(contacts: QuerySet[Contact], viewer_user) -> QuerySet[Contact]:
    if sees_every_contact(viewer_user):
        return contacts
    conversations = Conversation.objects.filter(visible_filter(Viewer.of(viewer_user)))
    return contacts.filter(pk__in=conversations.values("contact_id"))


def contact_search(*, viewer_user, q: str = "") -> QuerySet[Contact]:
    """Contacts `viewer_user` may see matching `q` (name, phone or DNI), unordered."""
    return _visible(selectors.contact_list(q=q), viewer_user)


def contact_get_for(*, viewer_user, contact_id: int) -> Contact:
    contact = _visible(selectors.contact_list(), viewer_user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("Contacto inexistente."))
    return contact
