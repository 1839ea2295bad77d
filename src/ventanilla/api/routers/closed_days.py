"""Closed days (holidays): dates on which an area, or every area, does not open. Everyone signed
in reads; admins write, supervisors write those of their own areas (a day for every area is an
admin's)."""

from datetime import date

from ninja import Query, Schema, Status

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.schedules import selectors, services
from ventanilla.schedules.permissions import EDIT_HOURS, check_closed_day_writer

router = Router(tags=["working hours"])


class ClosedDayOut(Schema):
    id: int
    day: date
    area_id: int | None
    name: str
    message: str


class ClosedDayPage(Schema):
    items: list[ClosedDayOut]
    next: str | None


class ClosedDayIn(Schema):
    day: str
    area_id: int | None = None
    name: str
    message: str | None = ""


class ClosedDayFilter(PageQuery):
    area: int | None = None
    since: date | None = None


@router.get("", response=answers({200: ClosedDayPage}, *LIST))
@requires(SIGNED_IN)
def list_closed_days(request, filters: Query[ClosedDayFilter]):
    rows = selectors.closed_day_list(area_id=filters.area, since=filters.since)
    items, next_cursor = keyset_page(rows, ordering=("day", "id"), page=filters)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: ClosedDayOut}, *WRITE))
@requires(EDIT_HOURS)
def create_closed_day(request, payload: ClosedDayIn):
    check_closed_day_writer(request.auth, payload.area_id)
    return Status(201, services.closed_day_create(**payload.dict()))


@router.get("/{closed_day_id}", response=answers({200: ClosedDayOut}, *READ, 404))
@requires(SIGNED_IN)
def get_closed_day(request, closed_day_id: int):
    return selectors.closed_day_get(closed_day_id=closed_day_id)


@router.delete("/{closed_day_id}", response=answers({204: None}, *WRITE, 404))
@requires(EDIT_HOURS)
def delete_closed_day(request, closed_day_id: int):
    row = selectors.closed_day_get(closed_day_id=closed_day_id)
    check_closed_day_writer(request.auth, row.area_id)
    services.closed_day_delete(closed_day=row)
    return Status(204, None)
