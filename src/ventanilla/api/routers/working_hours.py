"""Working-hour windows of the areas: everyone signed in reads; admins write, supervisors write
those of their own areas."""

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import StrictInt

from ventanilla.accounts.models import Area, Role, User
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers, reject_nulls
from ventanilla.api.security import role_refused_text
from ventanilla.core.errors import Forbidden
from ventanilla.schedules import selectors, services
from ventanilla.schedules.models import WorkingHour

router = Router(tags=["working hours"])


class WorkingHourOut(Schema):
    id: int
    area_id: int
    days: list[int]
    start_time: str
    end_time: str
    message: str

    @staticmethod
    def resolve_start_time(row: WorkingHour) -> str:
        return row.start_time.strftime("%H:%M")

    @staticmethod
    def resolve_end_time(row: WorkingHour) -> str:
        return row.end_time.strftime("%H:%M")


class WorkingHourPage(Schema):
    items: list[WorkingHourOut]
    next: str | None


class WorkingHourIn(Schema):
    area_id: int
    days: list[StrictInt]
    start_time: str
    end_time: str
    message: str | None = ""


class WorkingHourPatch(Schema):
    area_id: int | None = None
    days: list[StrictInt] | None = None
    start_time: str | None = None
    end_time: str | None = None
    message: str | None = None


class WorkingHourFilter(PageQuery):
    area: int | None = None


def _require_writer(user: User, *area_ids: int) -> None:
    """Admins write any area's hours; supervisors only their areas' (existing ones: an unknown
    area is the service's 422)."""
    if user.role == Role.ADMIN:
        return
    if user.role != Role.SUPERVISOR:
        raise Forbidden(role_refused_text())
    mine = set(user.areas.values_list("pk", flat=True))
    others = {area_id for area_id in area_ids if selectors.valid_id(area_id)} - mine
    if others and Area.objects.filter(pk__in=others).exists():
        raise Forbidden(_("Solo podés cambiar los horarios de tus propias áreas."))


@router.get("", response=answers({200: WorkingHourPage}, *LIST))
def list_working_hours(request, filters: Query[WorkingHourFilter]):
    items, next_cursor = keyset_page(
        selectors.working_hour_list(area_id=filters.area), ordering=("area_id", "id"), page=filters
    )
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: WorkingHourOut}, *WRITE))
def create_working_hour(request, payload: WorkingHourIn):
    _require_writer(request.auth, payload.area_id)
    return Status(201, services.working_hour_create(**payload.dict()))


@router.get("/{working_hour_id}", response=answers({200: WorkingHourOut}, *READ, 404))
def get_working_hour(request, working_hour_id: int):
    return selectors.working_hour_get(working_hour_id=working_hour_id)


@router.patch("/{working_hour_id}", response=answers({200: WorkingHourOut}, *WRITE, 404))
def update_working_hour(request, working_hour_id: int, payload: WorkingHourPatch):
    row = selectors.working_hour_get(working_hour_id=working_hour_id)
    changes = reject_nulls(
        payload.dict(exclude_unset=True), ("area_id", "days", "start_time", "end_time")
    )
    _require_writer(request.auth, row.area_id, changes.get("area_id", row.area_id))
    return services.working_hour_update(working_hour=row, **changes)


@router.delete("/{working_hour_id}", response=answers({204: None}, *WRITE, 404))
def delete_working_hour(request, working_hour_id: int):
    row = selectors.working_hour_get(working_hour_id=working_hour_id)
    _require_writer(request.auth, row.area_id)
    services.working_hour_delete(working_hour=row)
    return Status(204, None)
