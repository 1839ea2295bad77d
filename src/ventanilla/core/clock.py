"""The one source of "now", so tests can move time instead of sleeping; and the desk's local
days (settings.TIME_ZONE), which reports, closed days and stored day counts are dates of."""

import zoneinfo
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone


def now():
    return timezone.now()


def desk_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_date(at: datetime | None = None) -> date:
    """The desk's date at `at` (default: now)."""
    return (at or now()).astimezone(desk_zone()).date()


def local_midnight(day: date) -> datetime:
    """The instant the desk's `day` starts (zoneinfo gives the offset of that date)."""
    return datetime.combine(day, time.min, tzinfo=desk_zone())
