"""Writes for working hours, closed days and auto-close. Every function validates all fields
before writing anything."""

import re
from datetime import date, time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
from ventanilla.core import audit, clock
from ventanilla.core.errors import (
    blank_text,
    control_characters_text,
    max_length_text,
    unknown_area_text,
)
from ventanilla.core.fields import UNSET, FieldErrors, checked_text
from ventanilla.core.text import has_control_characters
from ventanilla.schedules.models import (
    AUTO_CLOSE_MESSAGE_MAX_LENGTH,
    AUTO_CLOSE_SINGLETON_ID,
    CLOSED_DAY_NAME_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    AutoCloseSetting,
    ClosedDay,
    WorkingHour,
)
from ventanilla.schedules.selectors import forget_cached_closed_days, valid_id

TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")


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
    if has_control_characters(message):
        errors.add("message", control_characters_text())
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
    audit.record_object("working_hour.created", row, changes=audit.diff({}, _hour_values(row)))
    return row


HOUR_AUDITED = ("area_id", "days", "start_time", "end_time", "message")


def _hour_values(row: WorkingHour) -> dict:
    return {field: getattr(row, field) for field in HOUR_AUDITED}


@transaction.atomic
def working_hour_update(
    *,
    working_hour: WorkingHour,
    area_id=UNSET,
    days=UNSET,
    start_time=UNSET,
    end_time=UNSET,
    message=UNSET,
) -> WorkingHour:
    row = WorkingHour.objects.select_for_update().get(pk=working_hour.pk)
    before = _hour_values(row)
    errors = FieldErrors()
    if area_id is not UNSET:
        row.area_id = _check_area(errors, area_id)
    if days is not UNSET:
        row.days = _check_days(errors, days)
    if start_time is not UNSET:
        row.start_time = _check_time(errors, "start_time", start_time)
    if end_time is not UNSET:
        row.end_time = _check_time(errors, "end_time", end_time)
    if message is not UNSET:
        row.message = _check_message(errors, message)
    _check_span(errors, row.start_time, row.end_time)
    errors.raise_if_any()
    row.save()
    changes = audit.diff(before, _hour_values(row))
    if changes:
        audit.record_object("working_hour.updated", row, changes=changes)
    return row


@transaction.atomic
def working_hour_delete(*, working_hour: WorkingHour) -> None:
    deleted, _count = WorkingHour.objects.filter(pk=working_hour.pk).delete()
    if deleted:
        audit.record_object("working_hour.deleted", working_hour)


# --- Closed days ------------------------------------------------------------------------------


def _check_day(errors: FieldErrors, value) -> date | None:
    """A date ("YYYY-MM-DD") from today on, in the desk's time zone."""
    day = value if isinstance(value, date) else None
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        errors.add("day", _("Usá una fecha con el formato AAAA-MM-DD."))
        return None
    if day < clock.local_date():
        errors.add("day", _("Elegí hoy o un día por venir."))
        return None
    return day


def _already_closed_text() -> str:
    return _("Ese día ya figura sin atención para esa área.")


@transaction.atomic
def closed_day_create(*, day, name, area_id: int | None = None, message="") -> ClosedDay:
    """A day on which `area_id` (None: every area) does not open; refused (422 on `day`) when it
    is already closed for that area."""
    errors = FieldErrors()
    row = ClosedDay(
        day=_check_day(errors, day),
        area_id=None if area_id is None else _check_area(errors, area_id),
        name=checked_text(errors, name, CLOSED_DAY_NAME_MAX_LENGTH),
        message=_check_message(errors, message),
    )
    same = ClosedDay.objects.filter(day=row.day, area_id=row.area_id)
    if row.day is not None and same.exists():
        errors.add("day", _already_closed_text())
    errors.raise_if_any()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same day saved meanwhile
        errors.add("day", _already_closed_text())
        errors.raise_if_any()
    audit.record_object(
        "closed_day.created",
        row,
        changes=audit.diff({}, {field: getattr(row, field) for field in CLOSED_DAY_AUDITED}),
    )
    transaction.on_commit(forget_cached_closed_days)
    return row


CLOSED_DAY_AUDITED = ("day", "area_id", "name", "message")


@transaction.atomic
def closed_day_delete(*, closed_day: ClosedDay) -> None:
    deleted, _count = ClosedDay.objects.filter(pk=closed_day.pk).delete()
    if deleted:
        audit.record_object("closed_day.deleted", closed_day)
        transaction.on_commit(forget_cached_closed_days)


# --- Auto-close ------------------------------------------------------------------------------

AUTO_CLOSE_MINUTES_MAX = Decimal(24 * 60)


def _check_minutes(errors: FieldErrors, minutes) -> Decimal | None:
    """0 (off), or more than 0 and at most a day, in steps of a hundredth of a minute."""
    if minutes is None:
        return None
    if isinstance(minutes, bool) or not isinstance(minutes, int | float | Decimal):
        errors.add("minutes", _("Escribí un número de minutos."))
        return None
    value = Decimal(str(minutes))
    if not value.is_finite():
        errors.add("minutes", _("Escribí un número de minutos."))
        return None
    if value < 0:
        errors.add("minutes", _("Usá 0 para desactivar el cierre automático, o más minutos."))
        return None
    if value > AUTO_CLOSE_MINUTES_MAX:
        errors.add(
            "minutes",
            _(
                "Usá como máximo %(max)d minutos (24 horas): pasado un día, la WhatsApp Cloud "
                "API ya no acepta el mensaje de cierre."
            )
            % {"max": int(AUTO_CLOSE_MINUTES_MAX)},
        )
        return None
    quantized = value.quantize(Decimal("0.01"))
    if quantized != value:
        errors.add("minutes", _("Usá como máximo dos decimales."))
        return None
    return quantized


def _check_closing_message(errors: FieldErrors, message) -> str | None:
    if message is None:
        return None
    if not isinstance(message, str):
        errors.add("message", _("Tiene que ser texto."))
        return None
    if not message.strip():
        errors.add("message", blank_text())
        return None
    message = message.strip()
    if has_control_characters(message):
        errors.add("message", control_characters_text())
        return None
    if len(message) > AUTO_CLOSE_MESSAGE_MAX_LENGTH:
        errors.add(  # the message is sent as one WhatsApp text: the same limit as the composer's
            "message",
            _("WhatsApp acepta hasta %(limit_value)d caracteres.")
            % {"limit_value": AUTO_CLOSE_MESSAGE_MAX_LENGTH},
        )
    return message


def auto_close_update(*, by: User | None, minutes=UNSET, message=UNSET) -> AutoCloseSetting | None:
    """Saves the auto-close minutes (0: off) and/or message; None puts a field back on its
    environment default (AUTO_CLOSE_MINUTES, AUTO_CLOSE_MESSAGE). Both are checked before
    anything is written; the next auto-close run uses them. Nothing given: nothing written."""
    errors = FieldErrors()
    changes = {}
    if minutes is not UNSET:
        changes["minutes"] = _check_minutes(errors, minutes)
    if message is not UNSET:
        changes["message"] = _check_closing_message(errors, message)
    errors.raise_if_any()
    if not changes:
        return AutoCloseSetting.objects.filter(pk=AUTO_CLOSE_SINGLETON_ID).first()
    with transaction.atomic():
        AutoCloseSetting.objects.get_or_create(pk=AUTO_CLOSE_SINGLETON_ID)
        row = AutoCloseSetting.objects.select_for_update().get(pk=AUTO_CLOSE_SINGLETON_ID)
        before = {field: getattr(row, field) for field in changes}
        for field, value in changes.items():
            setattr(row, field, value)
        row.updated_by = by
        row.save()
        audit.record(
            "settings.auto_close",
            target_type="setting",
            target_id="auto-close",
            target_label="auto-close",
            changes=audit.diff(before, changes),
            actor=by,
        )
    return row
