"""Follow-up: reopening a closed conversation, or writing to its customer, within the desk's
window (conversations.permissions.check_follow_up, docs/chat.md#follow-up)."""

import datetime

import pytest

from ventanilla.accounts.models import Role
from ventanilla.conversations import services
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.inbound import sandbox
from ventanilla.providers.models import Line


@pytest.fixture
def agent(make_user, soporte):
    return make_user(Role.SUPPORT, username="sofia", name="Sofía", areas=[soporte])


@pytest.fixture
def closed_by_agent(make_conversation, agent, soporte):
    chat = make_conversation("active", area=soporte, assigned_to=agent, text="gracias")
    services.conversation_close(conversation=chat, by=agent, message="")
    chat.refresh_from_db()
    return chat


def _later(monkeypatch, **delta):
    moment = clock.now() + datetime.timedelta(**delta)
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_the_agent_who_closed_it_reopens_it_within_the_window(closed_by_agent, agent, api):
    answer = api(agent).post(f"/api/conversations/{closed_by_agent.pk}/reopen")

    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["assigned_to"]["id"]) == ("active", agent.pk)


def test_past_the_window_only_leads_reopen(monkeypatch, closed_by_agent, agent, make_user, api):
    supervisor = make_user(Role.SUPERVISOR, areas=[closed_by_agent.area])
    _later(monkeypatch, hours=73)

    refused = api(agent).post(f"/api/conversations/{closed_by_agent.pk}/reopen")
    written = api(agent).post(
        f"/api/conversations/{closed_by_agent.pk}/follow-up", {"text": "¿Pudiste?"}
    )
    reopened = api(supervisor).post(f"/api/conversations/{closed_by_agent.pk}/reopen")

    assert refused.status_code == written.status_code == 403
    assert "Pasaron más de 72 horas desde el cierre" in refused.json()["detail"]
    assert reopened.status_code == 200


def test_the_window_is_a_desk_setting_admins_change(
    monkeypatch, closed_by_agent, agent, admin, api
):
    assert api(admin).get("/api/settings/follow-up").json()["reopen_hours"] == 72
    saved = api(admin).patch("/api/settings/follow-up", {"reopen_hours": 2})
    _later(monkeypatch, hours=3)

    refused = api(agent).post(f"/api/conversations/{closed_by_agent.pk}/reopen")
    api(admin).patch("/api/settings/follow-up", {"reopen_hours": None})
    allowed = api(agent).post(f"/api/conversations/{closed_by_agent.pk}/reopen")

    assert saved.status_code == 200
    assert (saved.json()["reopen_hours"], saved.json()["saved"]) == (2, True)
    assert saved.json()["updated_by"]["id"] == admin.pk
    assert refused.status_code == 403
    assert allowed.status_code == 200


@pytest.mark.parametrize("value", [-1, 721, 1.5, "24", True])
def test_the_window_refuses_what_is_not_whole_hours_up_to_30_days(value, admin, api):
    answer = api(admin).patch("/api/settings/follow-up", {"reopen_hours": value})

    assert answer.status_code == 422
    assert api(admin).get("/api/settings/follow-up").json()["saved"] is False


def test_only_admins_change_the_window(make_user, soporte, api):
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])
    assert api(supervisor).get("/api/settings/follow-up").status_code == 403
    assert api(supervisor).patch("/api/settings/follow-up", {"reopen_hours": 1}).status_code == 403


def test_zero_leaves_reopening_to_the_leads(closed_by_agent, agent, admin, api):
    api(admin).patch("/api/settings/follow-up", {"reopen_hours": 0})

    assert api(agent).post(f"/api/conversations/{closed_by_agent.pk}/reopen").status_code == 403


def test_writing_to_the_customer_reopens_and_sends_in_one_step(closed_by_agent, agent, api):
    answer = api(agent).post(
        f"/api/conversations/{closed_by_agent.pk}/follow-up", {"text": "¿Te llegó el envío?"}
    )

    closed_by_agent.refresh_from_db()
    assert answer.status_code == 201, answer.content
    assert answer.json()["text"] == "¿Te llegó el envío?"
    assert (closed_by_agent.status, closed_by_agent.assigned_to_id) == ("active", agent.pk)


def test_outside_the_24_hour_window_free_text_is_refused_and_nothing_reopens(
    closed_by_agent, agent, api
):
    Line.objects.filter(pk=closed_by_agent.line_id).update(provider="cloud")
    Conversation.objects.filter(pk=closed_by_agent.pk).update(
        last_inbound_at=clock.now() - datetime.timedelta(hours=25)
    )
    before = Message.objects.count()

    answer = api(agent).post(
        f"/api/conversations/{closed_by_agent.pk}/follow-up", {"text": "¿Seguís ahí?"}
    )

    closed_by_agent.refresh_from_db()
    assert answer.status_code == 409
    assert "plantillas" in answer.json()["detail"]
    assert "text" in answer.json()["errors"]
    assert closed_by_agent.status == "closed"
    assert Message.objects.count() == before


def test_anyone_who_may_see_the_contact_writes_to_them(
    closed_by_agent, agent, make_user, make_conversation, soporte, ventas, api
):
    # a colleague who has another conversation of the same customer on her screen sees the contact
    colleague = make_user(Role.SUPPORT, username="marta", areas=[soporte])
    stranger = make_user(Role.SALES, username="otro", areas=[ventas])
    contact = closed_by_agent.contact
    older = Conversation.objects.get(pk=closed_by_agent.pk)
    Conversation.objects.filter(pk=older.pk).update(assigned_to=colleague)

    hidden = api(stranger).post(f"/api/contacts/{contact.pk}/follow-up", {"text": "hola"})
    written = api(colleague).post(f"/api/contacts/{contact.pk}/follow-up", {"text": "Soy Marta"})

    closed_by_agent.refresh_from_db()
    assert hidden.status_code == 404
    assert written.status_code == 201, written.content
    assert (closed_by_agent.status, closed_by_agent.assigned_to_id) == ("active", colleague.pk)


def test_a_contact_with_an_open_conversation_is_written_to_there(
    make_conversation, agent, soporte, api
):
    chat = make_conversation("active", area=soporte, assigned_to=agent)

    answer = api(agent).post(f"/api/contacts/{chat.contact_id}/follow-up", {"text": "hola"})

    assert answer.status_code == 409
    assert str(chat.pk) in answer.json()["detail"]


def test_a_newer_conversation_blocks_reopening_the_older(closed_by_agent, agent, api):
    contact = closed_by_agent.contact
    sandbox.customer_writes(phone=contact.phone, name=contact.name, text="otra", message_id="n1")

    answer = api(agent).post(f"/api/conversations/{closed_by_agent.pk}/reopen")

    assert answer.status_code == 409


def test_the_console_composer_of_a_closed_chat_writes_and_reopens(closed_by_agent, agent, client):
    client.force_login(agent)
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "chat-pane"}

    pane = client.get(f"/chats/{closed_by_agent.pk}/", **hx).content.decode()
    sent = client.post(
        f"/chats/{closed_by_agent.pk}/send/",
        {"text": "Vuelvo a escribirte"},
        HTTP_HX_REQUEST="true",
    )

    closed_by_agent.refresh_from_db()
    assert "al escribir, se reabre y queda a tu cargo" in pane
    assert 'data-locked="0"' in pane
    assert sent.status_code == 204
    assert closed_by_agent.status == "active"
    assert closed_by_agent.last_message.text == "Vuelvo a escribirte"
