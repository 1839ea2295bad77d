"""Who may change the working hours and the auto-close settings. Everyone signed in reads the
hours (routing and the composer's notices depend on them)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area
from ventanilla.accounts.permissions import is_admin, is_lead
from ventanilla.core.errors import Forbidden
from ventanilla.core.permissions import Permission
from ventanilla.schedules.selectors import valid_id

EDIT_HOURS = Permission("schedules.edit-hours", allows=is_lead)  # of `hours_areas` only
MANAGE_AUTO_CLOSE = Permission("schedules.auto-close", allows=is_admin)


def hours_areas(user) -> QuerySet[Area]:
    """The areas whose hours `user` may change: every area for an admin, a supervisor's own."""
    if not EDIT_HOURS.grants(user):
        return Area.objects.none()
    if is_admin(user):
        return Area.objects.all()
    return user.areas.all()


def check_hours_writer(user, *area_ids) -> None:
    """Forbidden unless `user` may change the hours of every existing area of `area_ids` (an
    unknown area is the service's 422, not a refusal)."""
    EDIT_HOURS.check(user)
    if is_admin(user):
        return
    wanted = {area_id for area_id in area_ids if valid_id(area_id)}
    others = wanted - set(hours_areas(user).values_list("pk", flat=True))
    if others and Area.objects.filter(pk__in=others).exists():
        raise Forbidden(_("Solo podés cambiar los horarios de tus propias áreas."))


def closed_day_writable(user, area_id: int | None, hours_area_ids: set[int]) -> bool:
    """Whether `user`, who may change the hours of `hours_area_ids`, may change a day closed for
    `area_id` (None: every area, an admin's)."""
    return is_admin(user) if area_id is None else area_id in hours_area_ids


def check_closed_day_writer(user, area_id: int | None) -> None:
    """Forbidden unless `user` may change the hours of `area_id`; a day closed for every area
    (None) is an admin's."""
    if area_id is None:
        EDIT_HOURS.check(user)
        if not is_admin(user):
            raise Forbidden(_("Solo un administrador cierra un día para todas las áreas."))
        return
    check_hours_writer(user, area_id)
