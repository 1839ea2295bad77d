"""Routing explains itself (docs/routing.md#why): each branch of the rule stores its reason, the
candidates and the members left out; supervisors read it in the thread and through the API,
agents read why a conversation waits but not their colleagues' loads."""

import html
from datetime import timedelta

import pytest
from django.test import Client

from tests.routing.conftest import MONDAY_9
from ventanilla.accounts.models import Role, User
from ventanilla.conversations.models import ConversationEvent
from ventanilla.routing import services as routing
from ventanilla.schedules import services as schedules


def _why(conversation, kind) -> dict:
    return ConversationEvent.objects.filter(conversation=conversation, kind=kind).latest("pk").data


def _give(make_conversation, agent, count, area):
    for _ in range(count):
        make_conversation("active", area=area, assigned_to=agent)


def _candidate(user, load, capacity=None) -> dict:
    return {"user_id": user.pk, "presence": "available", "load": load, "capacity": capacity}


def _route(conversation, area) -> str:
    outcome = routing.route_to_area(conversation=conversation, area=area)
    conversation.refresh_from_db()
    return outcome


# --- each branch of the pick ---------------------------------------------------------------------


def test_only_candidate(frozen_clock, soporte, make_agent, make_conversation):
    sofia = make_agent(soporte, name="Sofía")
    _give(make_conversation, sofia, 2, soporte)
    conversation = make_conversation("bot")

    assert _route(conversation, soporte) == "assigned"

    why = _why(conversation, "assigned")
    assert (why["reason"], why["candidates"], why["others"]) == (
        "only_candidate",
        [_candidate(sofia, 2)],
        [],
    )


def test_least_loaded(frozen_clock, soporte, make_agent, make_conversation):
    ana, sofia, beto = (make_agent(soporte, max_open_conversations=5) for _ in range(3))
    _give(make_conversation, ana, 3, soporte)
    _give(make_conversation, sofia, 2, soporte)
    _give(make_conversation, beto, 4, soporte)
    conversation = make_conversation("bot")

    _route(conversation, soporte)

    why = _why(conversation, "assigned")
    assert why["reason"] == "least_loaded"
    assert why["user_id"] == sofia.pk
    assert why["candidates"] == [
        _candidate(sofia, 2, 5),
        _candidate(ana, 3, 5),
        _candidate(beto, 4, 5),
    ]


def test_equal_loads_longest_waiting(frozen_clock, soporte, make_agent, make_conversation):
    recent = make_agent(soporte, last_assigned_at=MONDAY_9 - timedelta(minutes=5))
    waited = make_agent(soporte, last_assigned_at=MONDAY_9 - timedelta(hours=2))
    conversation = make_conversation("bot")

    _route(conversation, soporte)

    why = _why(conversation, "assigned")
    assert (why["reason"], why["user_id"]) == ("longest_waiting", waited.pk)
    assert [c["user_id"] for c in why["candidates"]] == [waited.pk, recent.pk]


def test_equal_loads_and_times_lowest_id(frozen_clock, soporte, make_agent, make_conversation):
    first, second = make_agent(soporte), make_agent(soporte)
    User.objects.update(last_assigned_at=MONDAY_9 - timedelta(hours=1))
    conversation = make_conversation("bot")

    _route(conversation, soporte)

    why = _why(conversation, "assigned")
    assert (why["reason"], why["user_id"]) == ("lowest_id", min(first.pk, second.pk))


def test_members_left_out_say_why(frozen_clock, soporte, make_agent, make_conversation):
    # given one candidate, and three members who are away, without a console, at their cap
    picked = make_agent(soporte)
    away = make_agent(soporte, availability="away")
    offline = make_agent(soporte, console_open=False)
    full = make_agent(soporte, max_open_conversations=1)
    _give(make_conversation, full, 1, soporte)
    _give(make_conversation, away, 2, soporte)
    conversation = make_conversation("bot")

    _route(conversation, soporte)

    why = _why(conversation, "assigned")
    assert why["reason"] == "only_candidate"
    assert why["candidates"] == [_candidate(picked, 0)]
    assert why["others"] == [
        {"user_id": away.pk, "presence": "away", "load": 2, "capacity": None, "excluded": "away"},
        {
            "user_id": offline.pk,
            "presence": "offline",
            "load": 0,
            "capacity": None,
            "excluded": "offline",
        },
        {
            "user_id": full.pk,
            "presence": "available",
            "load": 1,
            "capacity": 1,
            "excluded": "at_capacity",
        },
    ]


# --- each reason to wait -------------------------------------------------------------------------


def test_nobody_available(frozen_clock, soporte, make_agent, make_conversation):
    offline = make_agent(soporte, console_open=False)
    conversation = make_conversation("bot")

    assert _route(conversation, soporte) == "queued"

    why = _why(conversation, "queued")
    assert (why["reason"], why["candidates"]) == ("nobody_available", [])
    assert [(o["user_id"], o["excluded"]) for o in why["others"]] == [(offline.pk, "offline")]
    assert conversation.queue_reason == "nobody_available"


def test_nobody_in_the_area_at_all(frozen_clock, soporte, make_conversation):
    conversation = make_conversation("bot")

    assert _route(conversation, soporte) == "queued"
    assert _why(conversation, "queued") == {
        "area_id": soporte.pk,
        "reason": "nobody_available",
        "candidates": [],
        "others": [],
    }


def test_everyone_at_capacity(frozen_clock, soporte, make_agent, make_conversation):
    full = make_agent(soporte, max_open_conversations=2)
    make_agent(soporte, availability="away")
    _give(make_conversation, full, 2, soporte)
    conversation = make_conversation("bot")

    assert _route(conversation, soporte) == "queued"

    why = _why(conversation, "queued")
    assert why["reason"] == "at_capacity"
    assert sorted(other["excluded"] for other in why["others"]) == ["at_capacity", "away"]
    assert conversation.queue_reason == "at_capacity"


def test_area_closed_then_nobody_there_when_it_opens(
    frozen_clock, soporte, make_agent, make_conversation
):
    # given Soporte open weekdays 08:00-18:00 and a customer routed on Monday at 20:00
    schedules.working_hour_create(
        area_id=soporte.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
    )
    frozen_clock.move(hours=11)
    conversation = make_conversation("bot")
    assert _route(conversation, soporte) == "closed_hours"
    assert (_why(conversation, "queued")["reason"], conversation.queue_reason) == (
        "after_hours",
        "after_hours",
    )

    # when the area opens on Tuesday with nobody available
    frozen_clock.at = MONDAY_9 + timedelta(days=1)
    assert routing.drain_queues() == 0

    # then the row's reason follows (no second event: the wait goes on)
    conversation.refresh_from_db()
    assert conversation.queue_reason == "nobody_available"
    assert ConversationEvent.objects.filter(conversation=conversation, kind="queued").count() == 1


def test_behind_the_queue(frozen_clock, soporte, make_agent, make_conversation):
    first = make_conversation("bot")
    assert _route(first, soporte) == "queued"
    newcomer = make_conversation("bot")

    assert _route(newcomer, soporte) == "queued"

    assert _why(newcomer, "queued") == {"area_id": soporte.pk, "reason": "behind_queue", "ahead": 1}
    assert newcomer.queue_reason == "behind_queue"


def test_assignment_clears_the_queue_reason(frozen_clock, soporte, make_agent, make_conversation):
    conversation = make_conversation("bot")
    _route(conversation, soporte)
    agent = make_agent(soporte)

    assert routing.drain_queues() == 1

    conversation.refresh_from_db()
    assert (conversation.assigned_to_id, conversation.queue_reason) == (agent.pk, "")
    why = _why(conversation, "assigned")
    assert (why["reason"], why["via"]) == ("only_candidate", "queue")


# --- where people read it ------------------------------------------------------------------------


@pytest.fixture
def routed(frozen_clock, soporte, make_agent, make_user, make_conversation):
    """Sofía (2 open) gets a conversation over Ana (3) and Beto (4); Carla is away."""
    sofia = make_agent(soporte, name="Sofía")
    ana, beto = make_agent(soporte, name="Ana"), make_agent(soporte, name="Beto")
    make_agent(soporte, name="Carla", availability="away")
    for agent, count in ((sofia, 2), (ana, 3), (beto, 4)):
        _give(make_conversation, agent, count, soporte)
    conversation = make_conversation("bot", name="Cliente Ruteado")
    _route(conversation, soporte)
    return conversation


NOTE = "Asignada a Sofía: 2 abiertas, la menor carga entre 3 disponibles · 1 ausente"


def _pane(user, conversation) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/chats/{conversation.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_supervisors_read_the_reason_in_the_thread(routed, make_user, soporte):
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])

    assert NOTE in _pane(supervisor, routed)
    as_agent = _pane(routed.assigned_to, routed)
    assert "Conversación asignada a Sofía" in as_agent
    assert "la menor carga" not in as_agent


def test_the_api_gives_the_events_with_their_reason(routed, api, make_user, soporte):
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])

    response = api(supervisor).get(f"/api/conversations/{routed.pk}/events")

    assert response.status_code == 200
    assigned = [item for item in response.json()["items"] if item["kind"] == "assigned"]
    assert [item["explanation"] for item in assigned] == [NOTE]
    assert assigned[0]["data"]["reason"] == "least_loaded"
    assert assigned[0]["data"]["candidates"][0]["load"] == 2
    agent = make_user(Role.SUPPORT, areas=[soporte])
    assert api(agent).get(f"/api/conversations/{routed.pk}/events").status_code == 403


def test_a_waiting_row_and_note_say_why(frozen_clock, soporte, make_user, make_conversation):
    conversation = make_conversation("bot", name="Cliente Esperando")
    _route(conversation, soporte)
    agent = make_user(Role.SUPPORT, areas=[soporte])
    client = Client()
    client.force_login(agent)

    row = client.get(f"/chats/item/{conversation.pk}/?tab=queue").content.decode()

    assert 'class="tag tag--why"' in row
    assert "nadie disponible" in row
    assert "En cola en Soporte: nadie disponible" in _pane(agent, conversation)
