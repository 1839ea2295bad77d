"""Area queues: conversations wait in order and are assigned, oldest first, when they can be."""

from datetime import timedelta

import pytest

from tests.routing.conftest import MONDAY_9
from ventanilla.accounts.models import User
from ventanilla.conversations.models import ConversationEvent
from ventanilla.routing import services as routing
from ventanilla.schedules import services as schedules


def _state(conversation) -> tuple:
    conversation.refresh_from_db()
    return (conversation.status, conversation.assigned_to_id)


def _last_event(conversation) -> tuple[str, dict]:
    event = ConversationEvent.objects.filter(conversation=conversation).latest("pk")
    return event.kind, event.data


@pytest.fixture
def soporte(make_area):
    area = make_area("Soporte")
    schedules.working_hour_create(
        area_id=area.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
    )
    return area


def test_drain_assigns_oldest_first_when_the_window_opens(
    frozen_clock, soporte, make_agent, make_conversation
):
    # given two agents who take one chat each, and three customers queued on Monday night in
    # an order other than their conversations' creation order
    ana = make_agent(soporte, max_open_conversations=1)
    beto = make_agent(soporte, max_open_conversations=1)
    frozen_clock.move(hours=11)  # Monday 20:00 in Buenos Aires
    first, second, third = (make_conversation("bot") for _ in range(3))
    for conversation in (third, first, second):
        assert routing.route_to_area(conversation=conversation, area=soporte) == "closed_hours"
        frozen_clock.move(minutes=5)

    # when the scheduler drains just before and at Tuesday's opening
    frozen_clock.at = MONDAY_9 + timedelta(days=1, minutes=-61)  # Tuesday 07:59
    before_opening = routing.drain_queues()
    frozen_clock.move(minutes=1)  # Tuesday 08:00
    at_opening = routing.drain_queues()

    # then nothing moves before, and at opening the two who waited longest are assigned
    assert (before_opening, at_opening) == (0, 2)
    assert _state(third) == ("active", ana.pk)
    assert _state(first) == ("active", beto.pk)
    assert _state(second) == ("queued", None)
    assert _last_event(third) == (
        "assigned",
        {
            "user_id": ana.pk,
            "area_id": soporte.pk,
            "candidates": [
                {"user_id": ana.pk, "presence": "available", "load": 0, "capacity": 1},
                {"user_id": beto.pk, "presence": "available", "load": 0, "capacity": 1},
            ],
            "others": [],
            "reason": "lowest_id",
            "via": "queue",
        },
    )
    ana.refresh_from_db()
    assert ana.last_assigned_at == frozen_clock.at

    # and when capacity frees up, the next run assigns the last one
    User.objects.filter(pk=beto.pk).update(max_open_conversations=2)
    assert routing.drain_queues() == 1
    assert _state(second) == ("active", beto.pk)
    assert routing.drain_queues() == 0


def test_drain_leaves_closed_areas_and_honours_area_ids(
    frozen_clock, soporte, make_area, make_agent, make_conversation
):
    # given queues in Soporte (closed on Saturday) and in two areas without hours
    ventas, guardia = make_area("Ventas"), make_area("Guardia")
    waiting = {}
    for area in (soporte, ventas, guardia):
        conversation = make_conversation("bot")
        assert routing.route_to_area(conversation=conversation, area=area) == "queued"
        waiting[area.pk] = conversation
    frozen_clock.at = MONDAY_9 + timedelta(days=5)  # Saturday 09:00
    agents = {area.pk: make_agent(area) for area in (soporte, ventas, guardia)}

    # when a drain limited to Soporte and Ventas runs
    assigned = routing.drain_queues(area_ids=[soporte.pk, ventas.pk])

    # then only Ventas moves: Soporte is closed and Guardia was not asked for
    assert assigned == 1
    assert _state(waiting[ventas.pk]) == ("active", agents[ventas.pk].pk)
    assert _state(waiting[soporte.pk]) == ("queued", None)
    assert _state(waiting[guardia.pk]) == ("queued", None)
    assert routing.drain_queues() == 1
    assert _state(waiting[guardia.pk]) == ("active", agents[guardia.pk].pk)


def test_a_newcomer_does_not_jump_the_queue(frozen_clock, soporte, make_agent, make_conversation):
    # given a customer already waiting because ana was away
    ana = make_agent(soporte, availability="away", max_open_conversations=1)
    waiting = make_conversation("bot")
    assert routing.route_to_area(conversation=waiting, area=soporte) == "queued"
    frozen_clock.move(minutes=3)
    User.objects.filter(pk=ana.pk).update(availability="available")

    # when a new customer is routed before any drain has run
    newcomer = make_conversation("bot")
    outcome = routing.route_to_area(conversation=newcomer, area=soporte)

    # then the one who waited gets ana, and the newcomer waits behind
    assert outcome == "queued"
    assert _state(waiting) == ("active", ana.pk)
    assert _state(newcomer) == ("queued", None)
    assert _last_event(newcomer) == (
        "queued",
        {"area_id": soporte.pk, "reason": "behind_queue", "ahead": 1},
    )

    # and the next agent to come online takes the newcomer
    beto = make_agent(soporte)
    assert routing.drain_queues(area_ids=[soporte.pk]) == 1
    assert _state(newcomer) == ("active", beto.pk)


def test_a_newcomer_behind_a_queue_is_served_in_turn_when_agents_are_free(
    frozen_clock, soporte, make_agent, make_conversation
):
    waiting = make_conversation("bot")
    assert routing.route_to_area(conversation=waiting, area=soporte) == "queued"
    ana, beto = make_agent(soporte), make_agent(soporte)

    newcomer = make_conversation("bot")
    outcome = routing.route_to_area(conversation=newcomer, area=soporte)

    assert outcome == "assigned"
    assert _state(waiting) == ("active", ana.pk)
    assert _state(newcomer) == ("active", beto.pk)


def test_drain_with_nothing_queued_does_nothing(frozen_clock, soporte, make_agent):
    make_agent(soporte)

    assert routing.drain_queues() == 0
