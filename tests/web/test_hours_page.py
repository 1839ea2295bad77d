"""The Working hours screen: roles and scope, list, create, invalid input, edit, delete, queries."""

from datetime import time

import pytest
from pytest_django.asserts import assertInHTML

from ventanilla.accounts.models import Role
from ventanilla.schedules import services
from ventanilla.schedules.models import WorkingHour


def _window(area, days=(1, 2, 3, 4, 5), start="09:00", end="18:00", message=""):
    return services.working_hour_create(
        area_id=area.pk, days=list(days), start_time=start, end_time=end, message=message
    )


# --- Roles -----------------------------------------------------------------------------------


def test_admin_sees_every_area(admin_client, make_area):
    # given two areas, one with a window
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    _window(ventas, days=[0, 6], start="10:00", end="13:30", message="Volvé el lunes")
    # when the admin opens the page
    response = admin_client.get("/hours/")
    # then both areas are listed, with the window's days, times and courtesy text
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ventas" in body
    assert "Soporte" in body
    assertInHTML('<span class="chip">Dom</span><span class="chip">Sáb</span>', body)
    assert "10:00\u201313:30" in body
    assert "Volvé el lunes" in body
    assert f'id="area-{soporte.pk}"' in body
    assert "Sin horarios: el área atiende siempre." in body


def test_supervisor_sees_only_their_areas(client, make_user, make_area):
    # given a supervisor of Ventas, and Soporte with a window
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    _window(soporte, start="07:15", end="08:45")
    client.force_login(make_user(Role.SUPERVISOR, areas=[ventas]))
    # when they open the page
    response = client.get("/hours/")
    # then they see Ventas only
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ventas" in body
    assert "Soporte" not in body
    assert "07:15" not in body


def test_supervisor_cannot_edit_or_delete_another_areas_window(client, make_user, make_area):
    # given a supervisor of Ventas and a window of Soporte
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    window = _window(soporte)
    client.force_login(make_user(Role.SUPERVISOR, areas=[ventas]))
    # when they try to edit or delete it
    edit = client.get(f"/hours/{window.pk}/")
    save = client.post(
        f"/hours/{window.pk}/",
        {"area_id": soporte.pk, "days": ["1"], "start_time": "01:00", "end_time": "02:00"},
    )
    delete = client.post(f"/hours/{window.pk}/delete/")
    # then each is forbidden and the window is unchanged
    assert (edit.status_code, save.status_code, delete.status_code) == (403, 403, 403)
    window.refresh_from_db()
    assert window.start_time == time(9, 0)


def test_supervisor_cannot_add_a_window_to_another_area(client, make_user, make_area):
    # given a supervisor of Ventas
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    client.force_login(make_user(Role.SUPERVISOR, areas=[ventas]))
    # when they post a window for Soporte
    response = client.post(
        "/hours/new/",
        {"area_id": soporte.pk, "days": ["1"], "start_time": "09:00", "end_time": "10:00"},
    )
    # then the form refuses it and nothing is written
    assert response.status_code == 422
    assert WorkingHour.objects.count() == 0


# --- Create, edit, delete ----------------------------------------------------------------------


def test_create_a_window(admin_client, make_area):
    # given an area
    area = make_area("Ventas")
    # when the admin adds an overnight window on Friday and Saturday
    response = admin_client.post(
        "/hours/new/",
        {
            "area_id": area.pk,
            "days": ["6", "5"],
            "start_time": "22:00",
            "end_time": "06:30",
            "message": "Estamos cerrados",
        },
    )
    # then it is stored and listed as nocturnal
    assert response.status_code == 302
    assert response["Location"] == "/hours/"
    row = WorkingHour.objects.get()
    assert (row.area_id, row.days, row.start_time, row.end_time, row.message) == (
        area.pk,
        [5, 6],
        time(22, 0),
        time(6, 30),
        "Estamos cerrados",
    )
    body = admin_client.get("/hours/").content.decode()
    assert "22:00\u201306:30" in body
    assert "(nocturno)" in body


def test_new_form_has_day_checkboxes_and_time_inputs(admin_client, make_area):
    # given an area
    area = make_area("Ventas")
    # when the admin opens the form for it
    body = admin_client.get(f"/hours/new/?area={area.pk}").content.decode()
    # then it offers the seven days, Sunday first, and time inputs
    assert body.count('type="checkbox" name="days"') == 7
    assert body.index("<span>Dom</span>") < body.index("<span>Lun</span>")
    assert 'type="time" name="start_time"' in body
    assert 'type="time" name="end_time"' in body
    assertInHTML(f'<option value="{area.pk}" selected>Ventas</option>', body)


def test_invalid_input_shows_errors_keeps_values_and_writes_nothing(admin_client, make_area):
    # given an area
    area = make_area("Ventas")
    # when the admin posts no days and a window ending when it starts
    response = admin_client.post(
        "/hours/new/",
        {"area_id": area.pk, "start_time": "09:00", "end_time": "09:00", "message": "Hola"},
    )
    # then both errors are shown, the typed values kept, and nothing is stored
    body = response.content.decode()
    assert response.status_code == 422
    assert "Elegí al menos un día." in body
    assert "La franja tiene que terminar a otra hora que la de inicio" in body
    assert 'value="09:00"' in body
    assert "Hola</textarea>" in body
    assert WorkingHour.objects.count() == 0


def test_edit_a_window(admin_client, make_area):
    # given a window
    area = make_area("Ventas")
    window = _window(area)
    # when the admin changes its days and end time
    response = admin_client.post(
        f"/hours/{window.pk}/",
        {"area_id": area.pk, "days": ["0"], "start_time": "09:00", "end_time": "12:00"},
    )
    # then it is saved
    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.days, window.start_time, window.end_time) == ([0], time(9, 0), time(12, 0))


def test_edit_form_shows_current_values(admin_client, make_area):
    # given a window
    window = _window(make_area("Ventas"), days=[2], start="08:05", end="17:10")
    # when the admin opens it
    body = admin_client.get(f"/hours/{window.pk}/").content.decode()
    # then the form holds its values
    assert 'value="08:05"' in body
    assert 'value="17:10"' in body
    assert 'value="2" id="id_days_2" checked' in body


def test_delete_asks_then_deletes(admin_client, make_area):
    # given a window
    window = _window(make_area("Ventas"))
    # when the admin opens the confirmation, then confirms
    confirm = admin_client.get(f"/hours/{window.pk}/delete/")
    response = admin_client.post(f"/hours/{window.pk}/delete/")
    # then the window is gone
    assert confirm.status_code == 200
    assert "¿Borrar el horario de «Ventas»" in confirm.content.decode()
    assert response.status_code == 302
    assert WorkingHour.objects.count() == 0


def test_unknown_window_is_404(admin_client):
    # given no windows
    # when the admin opens one
    response = admin_client.get("/hours/999/")
    # then it is not found
    assert response.status_code == 404


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 10])
def test_list_query_count_does_not_grow(
    admin_client, make_area, django_assert_max_num_queries, count
):
    # given windows and closed days spread over two areas
    areas = [make_area("Ventas"), make_area("Soporte")]
    for index in range(count):
        _window(areas[index % 2], start=f"{index:02d}:00", end=f"{index:02d}:30")
        services.closed_day_create(
            day=f"2099-01-{index + 1:02d}", area_id=areas[index % 2].pk, name="x"
        )
    admin_client.get("/hours/")  # warm the session
    # when the page is listed
    # then it takes the same number of queries for 2 and 10 windows and closed days
    with django_assert_max_num_queries(5):
        response = admin_client.get("/hours/")
    assert response.status_code == 200
