"""Writes for working hours. Every function validates all fields before writing anything."""

import re
from datetime import time

from django.db import transaction

from ventanilla.accounts.models import Area
from ventanilla.accounts.services import FieldErrors
from ventanilla.schedules.models import MESSAGE_MAX_LENGTH, WorkingHour
from ventanilla.schedules.selectors import valid_id

TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")

_UNSET = object()


def _check_area(errors: FieldErrors, area_id) -> int | None:
    area = (
        Area.objects.filter(pk=area_id).only("pk", "is_active").first()
        if valid_id(area_id)
        else None
    )
    if area is None:
        errors.add("area_id", f"Unknown area id: {area_id}.")
        return None
    if not area.is_active:
        errors.add("area_id", "That area is deactivated.")
    return area.pk


def _check_days(errors: FieldErrors, days) -> list[int]:
    if not isinstance(days, list | tuple) or not days:
        errors.add("days", "Choose at least one day.")
        return []
    if any(isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        errors.add("days", "Days go from 0 (Sunday) to 6 (Saturday).")
        return []
    if len(set(days)) != len(days):
        errors.add("days", "Each day may appear only once.")
    return sorted(set(days))


def parse_time(value) -> time | None:
    """ "HH:MM" (or "H:MM") as a time; None when it is not one."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if not isinstance(value, str):
        return None
    match = TIME_PATTERN.match(value.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _check_time(errors: FieldErrors, field: str, value) -> time | None:
    parsed = parse_time(value)
    if parsed is None:
        errors.add(field, 'Use the format HH:MM, from "00:00" to "23:59".')
    return parsed


def _check_span(errors: FieldErrors, start: time | None, end: time | None) -> None:
    if start is not None and start == end:
        errors.add(
            "end_time",
            "The window must end at another time than it starts "
            "(an end before the start runs overnight).",
        )


def _check_message(errors: FieldErrors, message) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        errors.add(
            "message", f"Ensure this field has no more than {MESSAGE_MAX_LENGTH} characters."
        )
    return message


@transaction.atomic
def working_hour_create(
    *, area_id: int, days: list[int], start_time: str | time, end_time: str | time, message=""
) -> WorkingHour:
    errors = FieldErrors()
    row = WorkingHour(
        area_id=_check_area(errors, area_id),
        days=_check_days(errors, days),
        start_time=_check_time(errors, "start_time", start_time),
        end_time=_check_time(errors, "end_time", end_time),
        message=_check_message(errors, message),
    )
    _check_span(errors, row.start_time, row.end_time)
    errors.raise_if_any()
    row.save()
    return row


@transaction.atomic
def working_hour_update(
    *,
    working_hour: WorkingHour,
    area_id=_UNSET,
    days=_UNSET,
    start_time=_UNSET,
    end_time=_UNSET,
    message=_UNSET,
) -> WorkingHour:
    row = WorkingHour.objects.select_for_update().get(pk=working_hour.pk)
    errors = FieldErrors()
    if area_id is not _UNSET:
        row.area_id = _check_area(errors, area_id)
    if days is not _UNSET:
        row.days = _check_days(errors, days)
    if start_time is not _UNSET:
        row.start_time = _check_time(errors, "start_time", start_time)
    if end_time is not _UNSET:
        row.end_time = _check_time(errors, "end_time", end_time)
    if message is not _UNSET:
        row.message = _check_message(errors, message)
    _check_span(errors, row.start_time, row.end_time)
    errors.raise_if_any()
    row.save()
    return row


def working_hour_delete(*, working_hour: WorkingHour) -> None:
    WorkingHour.objects.filter(pk=working_hour.pk).delete()
