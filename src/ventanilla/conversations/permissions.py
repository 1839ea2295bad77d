"""Who may do what with a conversation (docs/product.md#people-and-roles); who may see one is
`visibility`. The JSON API and the console ask here, through the services, so both doors follow
the same rule.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ventanilla.accounts.models import AGENT_ROLES, Role, User
from ventanilla.accounts.permissions import TAKES_CONVERSATIONS, is_admin, is_lead
from ventanilla.core.errors import InvalidInput
from ventanilla.core.permissions import Permission

# What a conversation holds is for whoever `visibility` lets see it; these are what they may do.
REOPEN = Permission("conversations.reopen", allows=is_lead)
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
