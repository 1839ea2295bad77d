"""The Working hours screen's closed days: the list from today on, adding (admins for every area,
supervisors for their own), invalid input kept on the form, deleting."""

from datetime import UTC, datetime

import pytest

from ventanilla.accounts.models import Role
from ventanilla.core import clock
from ventanilla.schedules import services
from ventanilla.schedules.models import ClosedDay


@pytest.fixture(autouse=True)
def on_december_20(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 20, 15, tzinfo=UTC))


def test_admin_adds_a_day_for_every_area_and_sees_it_listed(admin_client, make_area):
    make_area("Soporte")

    response = admin_client.post(
        "/hours/closed/new/",
        {"day": "2026-12-25", "area_id": "", "name": "Navidad", "message": "¡Feliz Navidad!"},
    )

    assert response.status_code == 302
    row = ClosedDay.objects.get()
    assert (str(row.day), row.area_id, row.name, row.message) == (
        "2026-12-25",
        None,
        "Navidad",
        "¡Feliz Navidad!",
    )
    body = admin_client.get("/hours/").content.decode()
    assert "Días sin atención" in body
    assert "Navidad" in body and "Todas las áreas" in body and "¡Feliz Navidad!" in body
    assert f'href="/hours/closed/{row.pk}/delete/"' in body


def test_a_past_day_is_not_listed(admin_client, make_area):
    services.closed_day_create(day="2026-12-24", name="Nochebuena")
    ClosedDay.objects.update(day="2026-12-19")  # added before, now past

    assert "Nochebuena" not in admin_client.get("/hours/").content.decode()


def test_invalid_input_stays_on_the_form_with_the_reason(admin_client):
    response = admin_client.post("/hours/closed/new/", {"day": "2026-12-19", "name": ""})

    assert response.status_code == 422
    body = response.content.decode()
    assert "Elegí hoy o un día por venir." in body
    assert "Este campo" in body
    assert not ClosedDay.objects.exists()


def test_supervisor_closes_their_area_only(client, make_user, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    client.force_login(make_user(Role.SUPERVISOR, areas=[soporte]))
    every = services.closed_day_create(day="2026-12-25", name="Navidad")

    form = client.get("/hours/closed/new/").content.decode()
    assert "Todas las áreas" not in form and "Ventas" not in form
    for area_id in ("", str(ventas.pk)):  # not offered: refused whatever is sent
        refused = client.post(
            "/hours/closed/new/", {"day": "2026-12-26", "area_id": area_id, "name": "x"}
        )
        assert refused.status_code == 422
    added = client.post(
        "/hours/closed/new/", {"day": "2026-12-26", "area_id": str(soporte.pk), "name": "Balance"}
    )
    assert added.status_code == 302
    assert client.get(f"/hours/closed/{every.pk}/delete/").status_code == 403

    body = client.get("/hours/").content.decode()
    assert "Navidad" in body and "Balance" in body
    assert f'href="/hours/closed/{every.pk}/delete/"' not in body
    own = ClosedDay.objects.get(name="Balance")
    assert client.post(f"/hours/closed/{own.pk}/delete/").status_code == 302
    assert list(ClosedDay.objects.values_list("name", flat=True)) == ["Navidad"]
