"""Working-hour windows of the areas: everyone signed in reads; admins write, supervisors write
those of their own areas."""

from ninja import Query, Schema, Status
from pydantic import StrictInt

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.schedules import selectors, services
from ventanilla.schedules.models import WorkingHour
from ventanilla.schedules.permissions import EDIT_HOURS, check_hours_writer

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


@router.get("", response=answers({200: WorkingHourPage}, *LIST))
@requires(SIGNED_IN)
def list_working_hours(request, filters: Query[WorkingHourFilter]):
    items, next_cursor = keyset_page(
        selectors.working_hour_list(area_id=filters.area), ordering=("area_id", "id"), page=filters
    )
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: WorkingHourOut}, *WRITE))
@requires(EDIT_HOURS)
def create_working_hour(request, payload: WorkingHourIn):
    check_hours_writer(request.auth, payload.area_id)
    return Status(201, services.working_hour_create(**payload.dict()))


@router.get("/{working_hour_id}", response=answers({200: WorkingHourOut}, *READ, 404))
@requires(SIGNED_IN)
def get_working_hour(request, working_hour_id: int):
    return selectors.working_hour_get(working_hour_id=working_hour_id)


@router.patch("/{working_hour_id}", response=answers({200: WorkingHourOut}, *WRITE, 404))
@requires(EDIT_HOURS)
def update_working_hour(request, working_hour_id: int, payload: WorkingHourPatch):
    row = selectors.working_hour_get(working_hour_id=working_hour_id)
    changes = reject_nulls(
        payload.dict(exclude_unset=True), ("area_id", "days", "start_time", "end_time")
    )
    check_hours_writer(request.auth, row.area_id, changes.get("area_id", row.area_id))
    return services.working_hour_update(working_hour=row, **changes)


@router.delete("/{working_hour_id}", response=answers({204: None}, *WRITE, 404))
@requires(EDIT_HOURS)
def delete_working_hour(request, working_hour_id: int):
    row = selectors.working_hour_get(working_hour_id=working_hour_id)
    check_hours_writer(request.auth, row.area_id)
    services.working_hour_delete(working_hour=row)
    return Status(204, None)
