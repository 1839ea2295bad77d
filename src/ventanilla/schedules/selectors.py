"""Reads for working hours (the windows themselves, the closed days, and whether an area is open)
and for auto-close (the minutes and message in force)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
from ventanilla.core import clock
from ventanilla.core.cache import ProcessCache
from ventanilla.core.errors import NotFound
from ventanilla.core.fields import MAX_ID
from ventanilla.schedules import hours
from ventanilla.schedules.models import (
    AUTO_CLOSE_SINGLETON_ID,
    AutoCloseSetting,
    ClosedDay,
    WorkingHour,
)


def valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def working_hour_list(*, area_id: int | None = None) -> QuerySet[WorkingHour]:
    rows = WorkingHour.objects.all()
    if area_id is not None:
        rows = rows.filter(area_id=area_id) if valid_id(area_id) else rows.none()
    return rows.order_by("area_id", "pk")


def working_hour_get(*, working_hour_id: int) -> WorkingHour:
    row = (
        WorkingHour.objects.filter(pk=working_hour_id).first()
        if valid_id(working_hour_id)
        else None
    )
    if row is None:
        raise NotFound(_("Horario inexistente."))
    return row


def closed_day_list(*, area_id: int | None = None, since: date | None = None):
    """Closed days, by date; with `area_id`, those of that area and of every area."""
    rows = ClosedDay.objects.select_related("area")
    if area_id is not None:
        of_area = Q(area_id=area_id) | Q(area__isnull=True)
        rows = rows.filter(of_area) if valid_id(area_id) else rows.none()
    if since is not None:
        rows = rows.filter(day__gte=since)
    return rows.order_by("day", "area_id", "pk")


def closed_day_get(*, closed_day_id: int) -> ClosedDay:
    row = (
        ClosedDay.objects.select_related("area").filter(pk=closed_day_id).first()
        if valid_id(closed_day_id)
        else None
    )
    if row is None:
        raise NotFound(_("Día sin atención inexistente."))
    return row


# every check of the hours reads them (the bot's hand-off, routing); admins rarely change them
CLOSED_DAYS_CACHE_SECONDS = 30.0


def _read_closed_days() -> dict[int | None, dict[date, str]]:
    by_area: dict[int | None, dict[date, str]] = defaultdict(dict)
    for area_id, day, message in ClosedDay.objects.values_list("area_id", "day", "message"):
        by_area[area_id][day] = message
    return dict(by_area)


_closed_days = ProcessCache(_read_closed_days, seconds=CLOSED_DAYS_CACHE_SECONDS)


def forget_cached_closed_days() -> None:
    _closed_days.forget()


def _closed_days_of(area_id: int) -> dict[date, str]:
    """The area's closed days and every area's, with their texts (the area's own wins)."""
    by_area = _closed_days.get()
    return {**by_area.get(None, {}), **by_area.get(area_id, {})}


def _window(row: WorkingHour) -> hours.Window:
    return hours.Window(
        days=frozenset(row.days), start=row.start_time, end=row.end_time, message=row.message
    )


def _windows_of(area_id: int) -> list[hours.Window]:
    return [_window(row) for row in WorkingHour.objects.filter(area_id=area_id).order_by("pk")]


def _local(at: datetime | None) -> datetime:
    return hours.wall_clock(at or clock.now(), settings.TIME_ZONE)


def area_is_open(*, area_id: int, at: datetime | None = None) -> bool:
    """Whether the area's working hours include `at` (default: now), in settings.TIME_ZONE.
    An area without windows is always open, but on its closed days."""
    return hours.is_open(_windows_of(area_id), _local(at), _closed_days_of(area_id))


def courtesy_text(*, area_id: int, at: datetime | None = None) -> str:
    """What to tell a customer who reaches the area while it is closed: the closed day's text,
    else the message of the next window to open, else of the one that closed most recently, else
    the default text."""
    return hours.courtesy_for(_windows_of(area_id), _local(at), _closed_days_of(area_id))


def deadlines(
    *, area_id: int, start: datetime, minutes: tuple[int | None, ...]
) -> tuple[datetime | None, ...]:
    """For each target in `minutes` (None: no target), the instant when that many minutes of the
    area's working hours have passed since `start`; time while the area is closed does not
    count (docs/routing.md#response-time-targets). One query, none without a target."""
    if all(target is None for target in minutes):
        return tuple(None for _ in minutes)
    windows, closed = _windows_of(area_id), _closed_days_of(area_id)
    return tuple(
        None
        if target is None
        else hours.add_open_minutes(windows, start, target, settings.TIME_ZONE, closed)
        for target in minutes
    )


def areas_open_now(at: datetime | None = None) -> set[int]:
    """Ids of the areas open at `at` (default: now), active or not; two queries."""
    local = _local(at)
    windows: dict[int, list[hours.Window]] = defaultdict(list)
    for row in WorkingHour.objects.order_by("pk"):
        windows[row.area_id].append(_window(row))
    return {
        area_id
        for area_id in Area.objects.values_list("pk", flat=True)
        if hours.is_open(windows.get(area_id, ()), local, _closed_days_of(area_id))
    }


# --- Auto-close ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoClose:
    """Auto-close as it applies now: the saved value of each field, else the environment's."""

    minutes: Decimal  # 0: off
    message: str
    minutes_saved: bool  # False: AUTO_CLOSE_MINUTES applies
    message_saved: bool  # False: AUTO_CLOSE_MESSAGE applies
    updated_at: datetime | None = None
    updated_by: User | None = None

    @property
    def enabled(self) -> bool:
        return self.minutes > 0


def auto_close_default_minutes() -> Decimal:
    return Decimal(str(settings.AUTO_CLOSE_MINUTES))


def auto_close_get() -> AutoClose:
    """One query; read on every run, so a saved change applies on the next run, in every
    process, without a restart."""
    rows = AutoCloseSetting.objects.select_related("updated_by")
    row = rows.filter(pk=AUTO_CLOSE_SINGLETON_ID).first()
    minutes = row.minutes if row is not None else None
    message = row.message if row is not None else None
    return AutoClose(
        minutes=minutes if minutes is not None else auto_close_default_minutes(),
        message=message if message is not None else settings.AUTO_CLOSE_MESSAGE,
        minutes_saved=minutes is not None,
        message_saved=message is not None,
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )
