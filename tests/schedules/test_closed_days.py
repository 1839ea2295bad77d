"""Closed days (holidays): the hours' rule with them, and /api/closed-days (shapes, validation
naming the field, who may do what). docs/routing.md#closed-days."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ventanilla.accounts.models import Role
from ventanilla.core import clock
from ventanilla.schedules import hours
from ventanilla.schedules.models import ClosedDay
from ventanilla.schedules.selectors import area_is_open, courtesy_text, deadlines

BA = ZoneInfo("America/Argentina/Buenos_Aires")  # UTC-3 all year
ZONE = "America/Argentina/Buenos_Aires"
OFFICE = [
    hours.Window(days=frozenset({1, 2, 3, 4, 5}), start=time(8), end=time(18), message="8 a 18")
]
CHRISTMAS = date(2026, 12, 25)  # a Friday
CLOSED = {CHRISTMAS: ""}


def local(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """December 2026 in Buenos Aires: the 24th is a Thursday, the 28th a Monday."""
    return datetime(2026, month, day, hour, minute)


# --- the rule (pure) ------------------------------------------------------------------------------


def test_no_window_opens_on_a_closed_day():
    assert hours.is_open(OFFICE, local(24, 10), CLOSED)
    assert not hours.is_open(OFFICE, local(25, 10), CLOSED)
    assert hours.is_open(OFFICE, local(28, 10), CLOSED)


def test_a_night_window_that_started_the_day_before_runs_to_its_end():
    night = [hours.Window(days=frozenset({4, 5}), start=time(22), end=time(6))]  # Thu, Fri

    assert hours.is_open(night, local(25, 5), CLOSED)  # Thursday night's window
    assert not hours.is_open(night, local(25, 23), CLOSED)  # Friday's did not open
    assert not hours.is_open(night, local(26, 5), CLOSED)


def test_an_area_without_windows_is_closed_that_whole_day_only():
    assert hours.is_open([], local(24, 23, 59), CLOSED)
    assert not hours.is_open([], local(25, 0), CLOSED)
    assert not hours.is_open([], local(25, 23, 59), CLOSED)
    assert hours.is_open([], local(26, 0), CLOSED)


def test_the_courtesy_text_is_the_days_own_else_the_next_windows():
    assert hours.courtesy_for(OFFICE, local(25, 10), {CHRISTMAS: "¡Feliz Navidad!"}) == (
        "¡Feliz Navidad!"
    )
    assert hours.courtesy_for(OFFICE, local(25, 10), CLOSED) == "8 a 18"


@pytest.mark.parametrize(
    "start,minutes,due",
    [
        (local(24, 17, 30), 60, local(28, 8, 30)),  # Thursday evening: Friday skipped
        (local(25, 10), 30, local(28, 8, 30)),  # on the holiday: from Monday's opening
        (local(23, 9), 3 * 600, local(29, 9)),  # Wed, Thu, (Fri), Mon, and Tuesday's first hour
    ],
)
def test_target_minutes_skip_a_closed_day(start, minutes, due):
    got = hours.add_open_minutes(OFFICE, start.replace(tzinfo=BA), minutes, ZONE, CLOSED)
    assert got == due.replace(tzinfo=BA)


def test_without_windows_target_minutes_skip_the_closed_day_whole():
    got = hours.add_open_minutes([], local(24, 23, 30).replace(tzinfo=BA), 60, ZONE, CLOSED)
    assert got == local(26, 0, 30).replace(tzinfo=BA)


# --- the desk's areas read them ----------------------------------------------------------------


@pytest.fixture
def on_christmas_eve(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 24, 12, tzinfo=UTC))


@pytest.mark.django_db
def test_an_areas_days_and_every_areas_close_it_and_only_it(on_christmas_eve, make_area):
    from ventanilla.schedules import services

    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    services.closed_day_create(day="2026-12-25", name="Navidad", message="¡Feliz Navidad!")
    services.closed_day_create(day="2026-12-28", area_id=ventas.pk, name="Inventario")
    christmas, inventory = (datetime(2026, 12, d, 13, tzinfo=UTC) for d in (25, 28))

    assert not area_is_open(area_id=soporte.pk, at=christmas)
    assert not area_is_open(area_id=ventas.pk, at=christmas)
    assert area_is_open(area_id=soporte.pk, at=inventory)
    assert not area_is_open(area_id=ventas.pk, at=inventory)
    assert courtesy_text(area_id=soporte.pk, at=christmas) == "¡Feliz Navidad!"
    # a first-response target of 30 minutes from Christmas Eve's last minutes
    eve = datetime(2026, 12, 25, 2, 50, tzinfo=UTC)  # the 24th, 23:50 in Buenos Aires
    assert deadlines(area_id=ventas.pk, start=eve, minutes=(30,)) == (
        datetime(2026, 12, 26, 3, 20, tzinfo=UTC),  # the 26th, 00:20: the 25th did not count
    )


# --- /api/closed-days ----------------------------------------------------------------------------

VALID = {"day": "2026-12-25", "name": "Navidad"}


@pytest.mark.django_db
def test_admin_creates_lists_reads_and_deletes_one(on_christmas_eve, api, admin, make_area):
    soporte = make_area("Soporte")
    client = api(admin)

    created = client.post("/api/closed-days", {**VALID, "message": "  Volvemos el lunes. "})
    own = client.post(
        "/api/closed-days", {"day": "2026-12-31", "area_id": soporte.pk, "name": "Balance"}
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {
        "id": body["id"],
        "day": "2026-12-25",
        "area_id": None,
        "name": "Navidad",
        "message": "Volvemos el lunes.",
    }
    assert own.status_code == 201
    assert client.get(f"/api/closed-days/{body['id']}").json() == body
    listed = client.get(f"/api/closed-days?area={soporte.pk}&limit=1")
    assert [row["name"] for row in listed.json()["items"]] == ["Navidad"]
    following = client.get(f"/api/closed-days?area={soporte.pk}&cursor={listed.json()['next']}")
    assert [row["name"] for row in following.json()["items"]] == ["Balance"]
    assert client.get("/api/closed-days?since=2026-12-26").json()["items"][0]["name"] == "Balance"

    assert client.delete(f"/api/closed-days/{body['id']}").status_code == 204
    assert client.get(f"/api/closed-days/{body['id']}").status_code == 404
    assert list(ClosedDay.objects.values_list("name", flat=True)) == ["Balance"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field,message",
    [
        ({"day": "25/12/2026", "name": "Navidad"}, "day", "Usá una fecha"),
        ({"day": "2026-12-23", "name": "Ayer"}, "day", "Elegí hoy o un día por venir."),
        ({"day": "2026-12-25", "name": "   "}, "name", "Este campo"),
        ({"day": "2026-12-25", "name": "x" * 101}, "name", "Usá como máximo"),
        ({**VALID, "message": "a\x00b"}, "message", ""),
        ({**VALID, "area_id": 999999}, "area_id", "No existe el área con id 999999."),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    on_christmas_eve, api, admin, body, field, message
):
    response = api(admin).post("/api/closed-days", body)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert not ClosedDay.objects.exists()


@pytest.mark.django_db
def test_the_same_day_twice_for_an_area_is_422(on_christmas_eve, api, admin, make_area):
    soporte = make_area("Soporte")
    client = api(admin)
    for area_id in (None, soporte.pk):
        assert client.post("/api/closed-days", {**VALID, "area_id": area_id}).status_code == 201
        again = client.post("/api/closed-days", {**VALID, "area_id": area_id, "name": "Otra"})
        assert again.status_code == 422
        assert again.json()["errors"] == {"day": ["Ese día ya figura sin atención para esa área."]}
    assert ClosedDay.objects.count() == 2


@pytest.mark.django_db
def test_supervisors_close_their_own_areas_and_only_admins_every_area(
    on_christmas_eve, api, admin, make_user, make_area
):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    supervisor = api(make_user(Role.SUPERVISOR, areas=[soporte]))
    agent = api(make_user(Role.SUPPORT, areas=[soporte]))
    every = api(admin).post("/api/closed-days", VALID).json()

    assert supervisor.post("/api/closed-days", {**VALID, "area_id": soporte.pk}).status_code == 201
    assert supervisor.post("/api/closed-days", {**VALID, "area_id": ventas.pk}).status_code == 403
    assert supervisor.post("/api/closed-days", {**VALID, "day": "2026-12-26"}).status_code == 403
    assert supervisor.delete(f"/api/closed-days/{every['id']}").status_code == 403
    assert agent.post("/api/closed-days", {**VALID, "area_id": soporte.pk}).status_code == 403
    assert [row["name"] for row in agent.get("/api/closed-days").json()["items"]] == [
        "Navidad",
        "Navidad",
    ]
    assert ClosedDay.objects.count() == 2
