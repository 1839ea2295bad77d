"""The Settings screen: the line's name, number and pause, and auto-close; bad input; queries.

Who may open it (admins only) is in test_staff_screens.py with the other staff screens.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pytest_django.asserts import assertInHTML

from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.core.models import LiveEvent
from ventanilla.providers.models import Line
from ventanilla.schedules.autoclose import close_idle_conversations
from ventanilla.schedules.models import AutoCloseSetting
from ventanilla.schedules.selectors import auto_close_get

ENV_MESSAGE = "Cerramos esta conversación por inactividad. Escribinos cuando quieras."


def _line_post(line, **values):
    return {f"line-{line.pk}-{field}": value for field, value in values.items()}


def _auto_close_post(minutes, message):
    return {"auto-close-minutes": minutes, "auto-close-message": message}


def _line_row(line):
    line.refresh_from_db()
    return line.display_name, line.phone, line.paused


def _field_errors(body: str, field_id: str) -> str:
    """The error list rendered right after the field with that id (inline, next to it)."""
    match = re.search(rf'id="{field_id}".*?<ul class="errorlist"[^>]*>(.*?)</ul>', body, re.S)
    assert match, f"no errors shown for {field_id}"
    return match.group(1)


# --- The page ----------------------------------------------------------------------------------


def test_page_shows_the_line_and_the_environment_defaults(admin_client, sandbox_line, settings):
    # given the line and the environment's auto-close values
    Line.objects.filter(pk=sandbox_line.pk).update(phone="+5493515550000")
    settings.AUTO_CLOSE_MINUTES = 30
    # when the admin opens the settings
    response = admin_client.get("/settings/")
    # then the line's form holds its name and number, with labels
    body = response.content.decode()
    assert response.status_code == 200
    prefix = f"line-{sandbox_line.pk}"
    assertInHTML(f'<label for="id_{prefix}-display_name">Nombre visible</label>', body)
    assert f'name="{prefix}-display_name" value="Sandbox"' in body
    assertInHTML(f'<label for="id_{prefix}-phone">Teléfono</label>', body)
    assert f'name="{prefix}-phone" value="+5493515550000"' in body
    assert "Pausar bot" in body
    # and auto-close shows the environment's values as the defaults
    assertInHTML('<label for="id_auto-close-minutes">Minutos sin mensajes</label>', body)
    assert 'name="auto-close-minutes" value="30"' in body
    assert f">\n{ENV_MESSAGE}</textarea>" in body
    assert "Valores por defecto del entorno" in body
    assert "Volver a los valores del entorno" not in body
    # and the nav marks the page
    assertInHTML('<a href="/settings/" aria-current="page">Ajustes</a>', body)


def test_every_line_gets_its_own_form(admin_client, sandbox_line):
    # given a second line
    other = Line.objects.create(provider="wppconnect", display_name="Ventas")
    # when the admin opens the settings
    body = admin_client.get("/settings/").content.decode()
    # then each line has its form, with ids that do not clash
    assert f'id="line-{sandbox_line.pk}"' in body
    assert f'id="line-{other.pk}"' in body
    assert f'id="id_line-{other.pk}-display_name"' in body
    assert "Líneas de WhatsApp" in body


# --- The line: name and number -----------------------------------------------------------------


def test_save_the_lines_name_and_phone(admin_client, sandbox_line):
    # given the line
    # when the admin saves a name and a phone typed the local way
    response = admin_client.post(
        f"/settings/lines/{sandbox_line.pk}/",
        _line_post(sandbox_line, display_name="  Mesa   de ayuda ", phone="0351 15 555 1111"),
    )
    # then it is stored in canonical form and the page says so
    assert response.status_code == 302
    assert response["Location"] == f"/settings/#line-{sandbox_line.pk}"
    assert _line_row(sandbox_line) == ("Mesa de ayuda", "+5493515551111", False)
    assert "Línea «Mesa de ayuda» guardada." in admin_client.get("/settings/").content.decode()


def test_a_blank_phone_clears_it(admin_client, sandbox_line):
    Line.objects.filter(pk=sandbox_line.pk).update(phone="+5493515550000")

    response = admin_client.post(
        f"/settings/lines/{sandbox_line.pk}/", _line_post(sandbox_line, display_name="X", phone="")
    )

    assert response.status_code == 302
    assert _line_row(sandbox_line) == ("X", "", False)


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        ({"display_name": "Otra", "phone": "no tengo"}, "phone", "no es un número de teléfono"),
        ({"display_name": "x" * 101, "phone": ""}, "display_name", "100"),
    ],
)
def test_bad_line_values_show_the_error_and_write_nothing(
    admin_client, sandbox_line, values, field, error
):
    # when the admin saves a value that is not acceptable
    response = admin_client.post(
        f"/settings/lines/{sandbox_line.pk}/", _line_post(sandbox_line, **values)
    )
    # then the page comes back with the error next to the field, the typed value kept
    body = response.content.decode()
    assert response.status_code == 422
    assert error in _field_errors(body, f"id_line-{sandbox_line.pk}-{field}")
    assert 'aria-invalid="true"' in body
    assert f'value="{values["display_name"]}"' in body
    # and nothing is written
    assert _line_row(sandbox_line) == ("Sandbox", "", False)


def test_unknown_line_is_404(admin_client, db):
    assert admin_client.post("/settings/lines/999/", {}).status_code == 404
    assert admin_client.post("/settings/lines/999/pause/", {"paused": "1"}).status_code == 404


# --- The line: pause ---------------------------------------------------------------------------


def test_pause_and_resume_publish_the_line_status(admin_client, sandbox_line):
    # when the admin pauses the bot
    paused = admin_client.post(f"/settings/lines/{sandbox_line.pk}/pause/", {"paused": "1"})
    # then the line is paused, every console is told, and the page offers to resume
    assert paused.status_code == 302
    assert paused["Location"] == f"/settings/#line-{sandbox_line.pk}"
    assert _line_row(sandbox_line)[2] is True
    body = admin_client.get("/settings/").content.decode()
    assert "Bot en pausa en «Sandbox»" in body
    assert 'name="paused" value="0"' in body
    assert "Reanudar bot" in body
    # and when they resume it
    admin_client.post(f"/settings/lines/{sandbox_line.pk}/pause/", {"paused": "0"})
    # then the bot answers again; one session:status event per change, as the API sends them
    assert _line_row(sandbox_line)[2] is False
    events = LiveEvent.objects.filter(name="session:status").order_by("pk")
    assert [(event.data["line_id"], event.data["paused"]) for event in events] == [
        (sandbox_line.pk, True),
        (sandbox_line.pk, False),
    ]
    assert {event.audience["all"] for event in events} == {True}


def test_pausing_twice_is_harmless(admin_client, sandbox_line):
    admin_client.post(f"/settings/lines/{sandbox_line.pk}/pause/", {"paused": "1"})
    admin_client.post(f"/settings/lines/{sandbox_line.pk}/pause/", {"paused": "1"})

    assert _line_row(sandbox_line)[2] is True
    assert LiveEvent.objects.filter(name="session:status").count() == 1


@pytest.mark.parametrize("data", [{}, {"paused": "maybe"}])
def test_pause_without_a_clear_state_is_refused(admin_client, sandbox_line, data):
    response = admin_client.post(f"/settings/lines/{sandbox_line.pk}/pause/", data)

    assert response.status_code == 400
    assert _line_row(sandbox_line)[2] is False


def test_pause_only_accepts_post(admin_client, sandbox_line):
    assert admin_client.get(f"/settings/lines/{sandbox_line.pk}/pause/").status_code == 405


# --- Auto-close --------------------------------------------------------------------------------


def test_save_auto_close(admin_client, admin):
    # when the admin saves decimal minutes and a message
    response = admin_client.post(
        "/settings/auto-close/", _auto_close_post("45.5", "  Cerramos, ¡gracias!  ")
    )
    # then both are stored, by them
    assert response.status_code == 302
    assert response["Location"] == "/settings/#auto-close"
    row = AutoCloseSetting.objects.get()
    assert (row.minutes, row.message, row.updated_by_id) == (
        Decimal("45.5"),
        "Cerramos, ¡gracias!",
        admin.pk,
    )
    # and the page shows them, who saved them, and the way back to the environment's values
    body = admin_client.get("/settings/").content.decode()
    assert "Cierre automático guardado." in body
    assert 'name="auto-close-minutes" value="45.5"' in body
    assert ">\nCerramos, ¡gracias!</textarea>" in body
    assert "Guardado por La Jefa" in body
    assert "Volver a los valores del entorno" in body


def test_zero_turns_auto_close_off(admin_client):
    response = admin_client.post("/settings/auto-close/", _auto_close_post("0", "Chau"))

    assert response.status_code == 302
    assert not auto_close_get().enabled
    assert "Desactivado" in admin_client.get("/settings/").content.decode()


@pytest.mark.parametrize(
    ("minutes", "message", "field"),
    [
        ("-1", "Chau", "minutes"),
        ("1441", "Chau", "minutes"),
        ("0.001", "Chau", "minutes"),
        ("media hora", "Chau", "minutes"),
        ("", "Chau", "minutes"),
        ("30", "", "message"),
        ("30", "   ", "message"),
        ("30", "x" * 4097, "message"),
    ],
)
def test_bad_auto_close_values_show_the_error_and_write_nothing(
    admin_client, minutes, message, field
):
    # when the admin saves a value out of bounds
    response = admin_client.post("/settings/auto-close/", _auto_close_post(minutes, message))
    # then the page comes back with the error next to the field
    body = response.content.decode()
    assert response.status_code == 422
    assert _field_errors(body, f"id_auto-close-{field}")
    # and nothing is written: the environment still applies
    assert AutoCloseSetting.objects.count() == 0
    assert not auto_close_get().minutes_saved


def test_bad_input_keeps_what_was_typed_and_the_saved_values(admin_client):
    # given saved values
    admin_client.post("/settings/auto-close/", _auto_close_post("20", "Antes"))
    # when the admin types a bad number and a new message
    response = admin_client.post("/settings/auto-close/", _auto_close_post("5000", "Nuevo"))
    # then the typed values are kept on the page, and the saved ones unchanged
    body = response.content.decode()
    assert response.status_code == 422
    assert 'value="5000"' in body
    assert ">\nNuevo</textarea>" in body
    assert "1440" in _field_errors(body, "id_auto-close-minutes")
    assert (auto_close_get().minutes, auto_close_get().message) == (Decimal("20"), "Antes")


def test_reset_goes_back_to_the_environment(admin_client, settings):
    # given saved values
    admin_client.post("/settings/auto-close/", _auto_close_post("20", "Antes"))
    # when the admin goes back to the environment's values
    response = admin_client.post("/settings/auto-close/reset/")
    # then the environment applies again
    assert response.status_code == 302
    current = auto_close_get()
    assert (current.minutes, current.message) == (
        Decimal(str(settings.AUTO_CLOSE_MINUTES)),
        ENV_MESSAGE,
    )
    assert not (current.minutes_saved or current.message_saved)
    assert "Volver a los valores del entorno" not in admin_client.get("/settings/").content.decode()


def test_the_auto_close_job_uses_what_was_saved_on_the_screen(
    admin_client, make_conversation, settings
):
    # given an idle bot conversation, and the environment's 30 minutes
    settings.AUTO_CLOSE_MINUTES = 30
    chat = make_conversation("bot")
    # when the admin saves 120 minutes and a message on the screen
    admin_client.post("/settings/auto-close/", _auto_close_post("120", "Hasta la próxima"))
    # then the job, run with no restart, waits for 120 minutes
    assert close_idle_conversations(now=clock.now() + timedelta(minutes=31)) == 0
    assert close_idle_conversations(now=clock.now() + timedelta(minutes=121)) == 1
    # and sends the saved message
    assert Conversation.objects.get(pk=chat.pk).status == "closed"
    closing = Message.objects.filter(conversation=chat, direction="out")
    assert list(closing.values_list("text", flat=True)) == ["Hasta la próxima"]


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 6])
def test_page_query_count_does_not_grow_with_lines(
    admin_client, admin, django_assert_max_num_queries, lines
):
    # given several lines and saved auto-close values
    for index in range(lines):
        Line.objects.create(provider="sandbox", display_name=f"Línea {index}")
    admin_client.post("/settings/auto-close/", _auto_close_post("20", "Antes"))
    admin_client.get("/settings/")  # warm the session
    # when the page is opened, then it takes the same few queries for 1 and 6 lines
    with django_assert_max_num_queries(5):  # the session, user, lines, auto-close, follow-up
        response = admin_client.get("/settings/")
    assert response.status_code == 200


def test_the_follow_up_window_is_saved_from_the_screen(admin_client):
    # when the admin saves 48 hours, then the API reads them back
    response = admin_client.post("/settings/follow-up/", {"follow-up-reopen_hours": "48"})
    assert response.status_code == 302
    assert admin_client.get("/api/settings/follow-up").json()["reopen_hours"] == 48
    # and a value past 30 days is refused next to its field, writing nothing
    refused = admin_client.post("/settings/follow-up/", {"follow-up-reopen_hours": "9999"})
    assert refused.status_code == 422
    assert "720" in refused.content.decode()
    assert admin_client.get("/api/settings/follow-up").json()["reopen_hours"] == 48
