"""Who may do what with a conversation (docs/product.md#people-and-roles); who may see one is
`visibility`. The JSON API and the console ask here, through the services, so both doors follow
the same rule.
"""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ventanilla.accounts.models import AGENT_ROLES, Role, User
from ventanilla.accounts.permissions import TAKES_CONVERSATIONS, is_admin, is_lead
from ventanilla.contacts.permissions import sees_every_contact
from ventanilla.conversations.models import Conversation
from ventanilla.conversations.visibility import Viewer, visible_filter
from ventanilla.core.errors import Forbidden, InvalidInput
from ventanilla.core.permissions import Permission


def _attends_or_leads(user) -> bool:
    return user.role in TAKES_CONVERSATIONS or is_lead(user)


# What a conversation holds is for whoever `visibility` lets see it; these are what they may do.
# Reopening, and writing to the customer after a close: leads always; the others within the
# desk's follow-up window (`check_follow_up`).
REOPEN = Permission("conversations.reopen", allows=_attends_or_leads)
MANAGE_FOLLOW_UP = Permission("conversations.follow-up-settings", allows=is_admin)
TRANSFER_TO_PERSON = Permission("conversations.transfer-to-person", allows=is_lead)  # else areas
SEE_EVERY_OPEN = Permission("conversations.see-every-open", allows=is_lead)  # the "all" tab
# writing first (conversations.starting): leads to anyone, agents to contacts they may see
START = Permission(
    "conversations.start", allows=lambda user: is_lead(user) or user.role in AGENT_ROLES
)

# the audit trail with routing's reasons: who was considered, with their loads and presence
SEE_AUDIT = Permission("conversations.see-audit", allows=is_lead)


def transfer_targets(*, by: User, conversation) -> QuerySet[User]:
    """Whom `by` may hand the conversation to: active agents and supervisors of its area; while
    it has no area, those of one of a supervisor's own areas (an admin: any of them)."""
    people = User.objects.filter(is_active=True, role__in=TAKES_CONVERSATIONS)
    if conversation.area_id is not None:
        return people.filter(areas=conversation.area_id)
    if by.role == Role.SUPERVISOR:
        return people.filter(areas__members=by).distinct()
    return people


def check_transfer_to_person(*, by: User, conversation, user: User) -> None:
    """Forbidden when `by` may not transfer to a person; InvalidInput on `user_id` when `user`
    may not take this conversation (the rule of `transfer_targets`, with the reason)."""
    TRANSFER_TO_PERSON.check(by)
    if not user.is_active:
        raise InvalidInput.field("user_id", _("Ese usuario está desactivado."))
    if user.role not in TAKES_CONVERSATIONS:
        raise InvalidInput.field(
            "user_id",
            _("Un administrador no atiende conversaciones: elegí un agente o un supervisor."),
        )
    if transfer_targets(by=by, conversation=conversation).filter(pk=user.pk).exists():
        return
    name = user.display_name
    if conversation.area_id is not None:
        raise InvalidInput.field(
            "user_id",
            _("%(name)s no es del área «%(area)s».")
            % {"name": name, "area": conversation.area.name},
        )
    raise InvalidInput.field(
        "user_id", _("%(name)s no comparte ninguna de tus áreas.") % {"name": name}
    )


MANAGE_LABELS = Permission("conversations.manage-labels", allows=is_admin)  # define them


def sees_contact(user: User, contact_id: int) -> bool:
    """Whether `user` may see the contact: leads every one, the others those of a conversation
    they may see (the rule of `contact_selectors`)."""
    if sees_every_contact(user):
        return True
    visible = Conversation.objects.filter(visible_filter(Viewer.of(user)))
    return visible.filter(contact_id=contact_id).exists()


def check_follow_up(*, by: User, conversation, window_hours: int, now: datetime) -> None:
    """Forbidden unless `by` may reopen the closed `conversation` (or write to its customer):
    a lead always; the agent who closed it, or anyone who may see its contact, within
    `window_hours` of the close (0: nobody but the leads)."""
    REOPEN.check(by)
    if is_lead(by):
        return
    closed_at = conversation.closed_at or now
    if window_hours <= 0 or now - closed_at > timedelta(hours=window_hours):
        raise Forbidden(
            ngettext(
                "Pasó más de %(hours)d hora desde el cierre: pedile a un supervisor que la reabra.",
                "Pasaron más de %(hours)d horas desde el cierre: pedile a un supervisor que la "
                "reabra.",
                window_hours,
            )
            % {"hours": window_hours}
        )
    if conversation.closed_by_id == by.pk or sees_contact(by, conversation.contact_id):
        return
    raise Forbidden(_("Solo quien la cerró o quien puede ver al contacto puede reabrirla."))
