"""Deadlines of response-time targets: minutes counted only while the area is open, in
settings.TIME_ZONE (docs/routing.md#response-time-targets)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ventanilla.schedules import hours, services
from ventanilla.schedules.selectors import deadlines

BA = ZoneInfo("America/Argentina/Buenos_Aires")  # UTC-3 all year
ZONE = "America/Argentina/Buenos_Aires"
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
OFFICE = [hours.Window(days=WEEKDAYS, start=time(8), end=time(18))]


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026 in Buenos Aires: the 1st is a Monday, the 5th a Friday, the 8th a Monday."""
    return datetime(2026, 6, day, hour, minute, tzinfo=BA)


@pytest.mark.parametrize(
    "start,minutes,due",
    [
        (local(1, 9), 30, local(1, 9, 30)),  # inside the hours: plain minutes
        (local(1, 17, 50), 30, local(2, 8, 20)),  # 10 min today, 20 after tomorrow's opening
        (local(1, 17, 30), 30, local(1, 18)),  # due at closing time: stays at closing time
        (local(1, 18), 30, local(2, 8, 30)),  # at closing: the clock starts tomorrow
        (local(1, 6), 30, local(1, 8, 30)),  # before opening: the clock starts at 08:00
        (local(5, 17, 50), 30, local(8, 8, 20)),  # Friday evening: Monday morning
        (local(6, 10), 30, local(8, 8, 30)),  # on Saturday: Monday at 08:30
        (local(5, 20), 600, local(8, 18)),  # a whole working day, from Friday night
        (local(5, 9), 3 * 600 + 15, local(10, 9, 15)),  # three days and a quarter hour later
    ],
)
def test_only_open_minutes_count(start, minutes, due):
    assert hours.add_open_minutes(OFFICE, start.astimezone(UTC), minutes, ZONE) == due


def test_an_overnight_window_counts_across_midnight():
    # Saturday 22:00 to Sunday 06:00 only
    night = [hours.Window(days=frozenset({6}), start=time(22), end=time(6))]

    assert hours.add_open_minutes(night, local(6, 23, 30), 60, ZONE) == local(7, 0, 30)
    assert hours.add_open_minutes(night, local(7, 5, 30), 60, ZONE) == local(13, 22, 30)
    assert hours.add_open_minutes(night, local(3, 12), 10, ZONE) == local(6, 22, 10)


def test_overlapping_windows_count_once():
    overlapping = [*OFFICE, hours.Window(days=WEEKDAYS, start=time(12), end=time(20))]

    # 08:00 to 20:00 open: 11 hours from 09:00 end at 20:00, one more minute runs into Tuesday
    assert hours.add_open_minutes(overlapping, local(1, 9), 11 * 60, ZONE) == local(1, 20)
    assert hours.add_open_minutes(overlapping, local(1, 9), 11 * 60 + 1, ZONE) == local(2, 8, 1)


def test_without_windows_the_area_is_always_open():
    assert hours.add_open_minutes([], local(6, 23), 90, ZONE) == local(7, 0, 30)


def test_a_change_of_offset_inside_a_window_counts_real_minutes():
    # Madrid moves its clocks from 02:00 to 03:00 on 29 March 2026: a window 00:00-06:00 of
    # that Sunday holds five real hours
    window = [hours.Window(days=frozenset({0}), start=time(0), end=time(6))]
    madrid = ZoneInfo("Europe/Madrid")
    start = datetime(2026, 3, 29, 1, 30, tzinfo=madrid)

    due = hours.add_open_minutes(window, start, 60, "Europe/Madrid")

    assert due - start.astimezone(UTC) == timedelta(hours=1)
    assert due.astimezone(madrid).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)


def test_deadlines_of_an_area_read_its_own_hours(make_area, settings, django_assert_num_queries):
    settings.TIME_ZONE = ZONE
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    services.working_hour_create(
        area_id=soporte.pk, days=sorted(WEEKDAYS), start_time="08:00", end_time="18:00"
    )
    start = local(5, 17, 50)
    deadlines(area_id=ventas.pk, start=start, minutes=(30,))  # the closed days: read once a while

    with django_assert_num_queries(1):
        first, resolution = deadlines(area_id=soporte.pk, start=start, minutes=(30, None))
    with django_assert_num_queries(0):
        assert deadlines(area_id=soporte.pk, start=start, minutes=(None, None)) == (None, None)

    assert (first, resolution) == (local(8, 8, 20), None)
    # Ventas has no hours: always open
    assert deadlines(area_id=ventas.pk, start=start, minutes=(30, 120)) == (
        local(5, 18, 20),
        local(5, 19, 50),
    )
