"""Who may do what with quick replies (docs/security.md#who-may-do-what).

Everyone keeps personal ones and uses the desk's and their areas'; leads manage the shared ones:
an admin every shelf, a supervisor those of their own areas. Agents may read shared ones, never
change them.
"""

from django.utils.translation import gettext as _

from ventanilla.accounts.models import Role
from ventanilla.accounts.permissions import is_admin, is_lead
from ventanilla.core.errors import Forbidden
from ventanilla.core.permissions import Permission
from ventanilla.quickreplies.models import Scope

MANAGE_SHARED = Permission("quickreplies.manage-shared", allows=is_lead)  # desk: admins only


def area_ids_of(user) -> set[int]:
    ids = getattr(user, "_viewer_area_ids", None)
    if ids is None:
        ids = frozenset(user.areas.values_list("pk", flat=True))
        user._viewer_area_ids = ids
    return set(ids)


def may_manage(user, *, scope: str, area_id: int | None, owner_id: int | None) -> bool:
    if scope == Scope.PERSONAL:
        return owner_id == user.pk
    if not MANAGE_SHARED.grants(user):
        return False
    if scope == Scope.DESK:
        return is_admin(user)
    return is_admin(user) or (user.role == Role.SUPERVISOR and area_id in area_ids_of(user))


def check_manage(user, *, scope: str, area_id: int | None, owner_id: int | None) -> None:
    if may_manage(user, scope=scope, area_id=area_id, owner_id=owner_id):
        return
    if scope == Scope.DESK:
        message = _("Solo un administrador maneja las respuestas de todo el equipo.")
    elif scope == Scope.AREA:
        message = _("Solo administradores y supervisores del área manejan sus respuestas.")
    else:
        message = _("Las respuestas personales son de quien las creó.")
    raise Forbidden(message, {"scope": [message]})
