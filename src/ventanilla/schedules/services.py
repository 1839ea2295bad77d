"""Writes for working hours. Every function validates all fields before writing anything."""

import re
from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area
from ventanilla.accounts.services import FieldErrors
from ventanilla.core.errors import max_length_text, unknown_area_text
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
        errors.add("area_id", unknown_area_text(area_id))
        return None
    if not area.is_active:
        errors.add("area_id", _("Esa área está desactivada."))
    return area.pk


def _check_days(errors: FieldErrors, days) -> list[int]:
    if not isinstance(days, list | tuple) or not days:
        errors.add("days", _("Elegí al menos un día."))
        return []
    if any(isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        errors.add("days", _("Los días van de 0 (domingo) a 6 (sábado)."))
        return []
    if len(set(days)) != len(days):
        errors.add("days", _("Cada día puede aparecer una sola vez."))
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
        errors.add(field, _("Usá el formato HH:MM, de «00:00» a «23:59»."))
    return parsed


def _check_span(errors: FieldErrors, start: time | None, end: time | None) -> None:
    if start is not None and start == end:
        errors.add(
            "end_time",
            _(
                "La franja tiene que terminar a otra hora que la de inicio "
                "(un fin antes del inicio cruza la medianoche)."
            ),
        )


def _check_message(errors: FieldErrors, message) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        errors.add("message", max_length_text(MESSAGE_MAX_LENGTH))
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
