"""Working hours evaluated in settings.TIME_ZONE: day windows, overnight windows, courtesy text."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ventanilla.schedules import hours, services
from ventanilla.schedules.selectors import area_is_open, areas_open_now, courtesy_text

BA = ZoneInfo("America/Argentina/Buenos_Aires")  # UTC-3 all year
DEFAULT = (
    "Nuestro horario de atención es de 8:00 a 18:00 hs. "
    "Te responderemos apenas volvamos a estar disponibles."
)
WEEKDAYS = [1, 2, 3, 4, 5]
SATURDAY, SUNDAY = 6, 0


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026 in Buenos Aires: the 1st is a Monday, the 6th a Saturday, the 7th a Sunday."""
    return datetime(2026, 6, day, hour, minute, tzinfo=BA)


@pytest.fixture
def desk(make_area):
    """Weekdays 08:00-18:00 and Saturday night 22:00-06:00 (into Sunday)."""
    area = make_area("Soporte")
    services.working_hour_create(
        area_id=area.pk, days=WEEKDAYS, start_time="08:00", end_time="18:00"
    )
    services.working_hour_create(
        area_id=area.pk, days=[SATURDAY], start_time="22:00", end_time="06:00"
    )
    return area


@pytest.mark.parametrize(
    "at,expected",
    [
        (local(1, 7, 59), False),  # Monday before opening
        (local(1, 8, 0), True),  # Monday at opening
        (local(1, 17, 59), True),
        (local(1, 18, 0), False),  # the end is exclusive
        (local(1, 3, 0), False),  # Sunday has no overnight window into Monday
        (local(5, 12, 0), True),  # Friday
        (local(5, 23, 0), False),  # Friday night: the overnight window is Saturday's only
        (local(6, 3, 0), False),  # Saturday early morning: not the tail of Friday
        (local(6, 12, 0), False),  # Saturday midday
        (local(6, 21, 59), False),
        (local(6, 22, 0), True),  # Saturday night opens
        (local(6, 23, 59), True),
        (local(7, 0, 0), True),  # Sunday past midnight: still Saturday's window
        (local(7, 5, 59), True),
        (local(7, 6, 0), False),  # Sunday at the window's end
        (local(7, 12, 0), False),  # Sunday midday
    ],
)
def test_window_evaluation_table(desk, at, expected):
    assert area_is_open(area_id=desk.pk, at=at) is expected


@pytest.mark.parametrize(
    "utc_at,expected",
    [
        (datetime(2026, 6, 1, 10, 59, tzinfo=UTC), False),  # 07:59 in Buenos Aires
        (datetime(2026, 6, 1, 11, 0, tzinfo=UTC), True),  # 08:00 in Buenos Aires
        (datetime(2026, 6, 1, 20, 59, tzinfo=UTC), True),  # 17:59
        (datetime(2026, 6, 1, 21, 0, tzinfo=UTC), False),  # 18:00
        (datetime(2026, 6, 7, 2, 0, tzinfo=UTC), True),  # Saturday 23:00 local, Sunday in UTC
        (datetime(2026, 6, 7, 9, 0, tzinfo=UTC), False),  # Sunday 06:00 local
    ],
)
def test_utc_instants_are_read_in_the_installation_time_zone(desk, utc_at, expected):
    assert area_is_open(area_id=desk.pk, at=utc_at) is expected


@pytest.mark.parametrize(
    "zone,utc_hour,expected",
    [
        ("UTC", 8, True),  # 08:00 in UTC
        ("UTC", 20, False),  # 20:00 in UTC (17:00 in Buenos Aires, but that is not our zone)
        ("Asia/Tokyo", 0, True),  # 09:00 Monday in Tokyo
        ("Asia/Tokyo", 10, False),  # 19:00 Monday in Tokyo
        ("America/Argentina/Buenos_Aires", 8, False),  # 05:00 in Buenos Aires
    ],
)
def test_time_zone_setting_decides_the_wall_clock(desk, settings, zone, utc_hour, expected):
    settings.TIME_ZONE = zone

    assert area_is_open(area_id=desk.pk, at=datetime(2026, 6, 1, utc_hour, tzinfo=UTC)) is expected


@pytest.mark.parametrize("at", [local(1, 3), local(3, 12), local(6, 23), local(7, 6)])
def test_area_without_windows_is_always_open(make_area, at):
    area = make_area("Ventas")

    assert area_is_open(area_id=area.pk, at=at) is True


def test_default_instant_is_the_clock(desk, monkeypatch):
    from ventanilla.core import clock

    monkeypatch.setattr(clock, "now", lambda: local(6, 22, 30))
    assert area_is_open(area_id=desk.pk) is True
    monkeypatch.setattr(clock, "now", lambda: local(6, 21, 30))
    assert area_is_open(area_id=desk.pk) is False


def test_areas_open_now_lists_open_areas_and_those_without_windows(desk, make_area):
    always = make_area("Ventas")
    night = make_area("Guardia")
    services.working_hour_create(area_id=night.pk, days=[1], start_time="20:00", end_time="02:00")

    assert areas_open_now(at=local(1, 9)) == {desk.pk, always.pk}
    assert areas_open_now(at=local(1, 21)) == {always.pk, night.pk}
    assert areas_open_now(at=local(2, 1, 59)) == {always.pk, night.pk}  # Monday night's tail
    assert areas_open_now(at=local(2, 2)) == {always.pk}


# --- courtesy text ------------------------------------------------------------------------------


@pytest.fixture
def week_and_saturday(make_area):
    area = make_area("Soporte")
    services.working_hour_create(
        area_id=area.pk,
        days=WEEKDAYS,
        start_time="08:00",
        end_time="18:00",
        message="Atendemos de lunes a viernes de 8 a 18.",
    )
    services.working_hour_create(
        area_id=area.pk,
        days=[SATURDAY],
        start_time="09:00",
        end_time="13:00",
        message="Los sábados atendemos de 9 a 13.",
    )
    return area


@pytest.mark.parametrize(
    "at,expected",
    [
        (local(1, 7), "Atendemos de lunes a viernes de 8 a 18."),  # Monday morning: today's next
        (local(5, 20), "Los sábados atendemos de 9 a 13."),  # Friday night: Saturday is next
        (local(6, 14), "Atendemos de lunes a viernes de 8 a 18."),  # Saturday afternoon
        (local(7, 10), "Atendemos de lunes a viernes de 8 a 18."),  # Sunday
    ],
)
def test_courtesy_text_is_the_next_windows_message(week_and_saturday, at, expected):
    assert courtesy_text(area_id=week_and_saturday.pk, at=at) == expected


def test_courtesy_text_falls_back_to_the_last_window_then_to_the_default(make_area):
    area = make_area("Soporte")
    services.working_hour_create(
        area_id=area.pk, days=[1], start_time="08:00", end_time="12:00", message="Solo lunes."
    )
    services.working_hour_create(area_id=area.pk, days=[2], start_time="08:00", end_time="12:00")

    # Monday 13:00: Tuesday's window (no message) is next, Monday's closed last
    assert courtesy_text(area_id=area.pk, at=local(1, 13)) == "Solo lunes."
    # Tuesday 13:00: Monday's window is next again
    assert courtesy_text(area_id=area.pk, at=local(2, 13)) == "Solo lunes."
    # Monday 07:00: Monday's own window is next
    assert courtesy_text(area_id=area.pk, at=local(1, 7)) == "Solo lunes."


def test_courtesy_text_default_without_messages_or_windows(desk, make_area):
    assert courtesy_text(area_id=desk.pk, at=local(6, 12)) == DEFAULT
    assert courtesy_text(area_id=make_area("Ventas").pk, at=local(6, 12)) == DEFAULT


# --- the pure evaluation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,weekday",
    [(7, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6)],
)
def test_day_numbers_start_on_sunday(day, weekday):
    assert hours.day_number(datetime(2026, 6, day).date()) == weekday


def test_overnight_window_spanning_the_week_end():
    # Saturday 22:00 -> Sunday 06:00 belongs to Saturday (6); Sunday (0) has none of its own
    window = hours.Window(days=frozenset({SATURDAY}), start=time(22), end=time(6))

    assert window.overnight is True
    assert hours.window_is_open(window, datetime(2026, 6, 6, 23)) is True
    assert hours.window_is_open(window, datetime(2026, 6, 7, 1)) is True
    assert hours.window_is_open(window, datetime(2026, 6, 7, 23)) is False
    assert hours.window_is_open(window, datetime(2026, 6, 8, 1)) is False
    assert hours.is_open([], datetime(2026, 6, 8, 1)) is True
