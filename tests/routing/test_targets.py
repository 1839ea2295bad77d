"""Response-time targets: when a conversation comes to an area its deadlines are counted in the
area's working hours and kept as instants; a transfer to another area starts them again, the
first agent message moves the row from the first response to the resolution, and the list shows
the time left or how long ago it fell due (ADR 0032)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from ventanilla.accounts import services as accounts
from ventanilla.accounts.models import Role
from ventanilla.conversations import services as conversations
from ventanilla.routing import services as routing
from ventanilla.schedules import services as schedules

BA = ZoneInfo("America/Argentina/Buenos_Aires")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026 in Buenos Aires: the 1st is a Monday, the 5th a Friday, the 8th a Monday."""
    return datetime(2026, 6, day, hour, minute, tzinfo=BA)


@pytest.fixture
def office(soporte):
    """Soporte: weekdays 08:00-18:00, first response in 30 minutes, resolution in 4 hours."""
    schedules.working_hour_create(
        area_id=soporte.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
    )
    return accounts.area_update(
        area=soporte, first_response_target_minutes=30, resolution_target_minutes=240
    )


@pytest.fixture
def round_the_clock(ventas):
    """Ventas: no working hours (always open), first response in 15 minutes, no resolution
    target."""
    return accounts.area_update(area=ventas, first_response_target_minutes=15)


def _deadlines(conversation) -> tuple:
    conversation.refresh_from_db()
    return (
        conversation.first_response_due_at,
        conversation.first_responded_at,
        conversation.resolution_due_at,
    )


def test_a_message_before_closing_is_due_after_the_next_opening(
    frozen_clock, office, make_conversation
):
    frozen_clock.at = local(1, 17, 50)  # Monday
    conversation = make_conversation("bot")

    routing.route_to_area(conversation=conversation, area=office)

    # 10 minutes on Monday, 20 on Tuesday; the resolution's 230 minutes left run to 11:50
    assert _deadlines(conversation) == (local(2, 8, 20), None, local(2, 11, 50))


def test_a_message_on_friday_evening_is_due_on_monday(frozen_clock, office, make_conversation):
    frozen_clock.at = local(5, 17, 50)
    conversation = make_conversation("bot")

    outcome = routing.route_to_area(conversation=conversation, area=office)

    assert outcome == "queued"  # nobody there: it waits, and the clock with it
    assert _deadlines(conversation) == (local(8, 8, 20), None, local(8, 11, 50))


def test_a_message_after_hours_is_due_from_the_opening(frozen_clock, office, make_conversation):
    frozen_clock.at = local(6, 11)  # Saturday
    conversation = make_conversation("bot")

    assert routing.route_to_area(conversation=conversation, area=office) == "closed_hours"
    assert _deadlines(conversation) == (local(8, 8, 30), None, local(8, 12))


def test_an_area_without_targets_sets_no_deadline(frozen_clock, soporte, make_conversation):
    conversation = make_conversation("bot")

    routing.route_to_area(conversation=conversation, area=soporte)

    assert _deadlines(conversation) == (None, None, None)


def test_the_first_response_is_kept_and_a_transfer_to_another_area_starts_over(
    frozen_clock, office, round_the_clock, make_agent, make_conversation
):
    sofia, vera = make_agent(office), make_agent(round_the_clock)
    frozen_clock.at = local(1, 9)
    conversation = make_conversation("bot")
    routing.route_to_area(conversation=conversation, area=office)
    assert _deadlines(conversation) == (local(1, 9, 30), None, local(1, 13))

    # Sofía answers at 09:10, and again at 09:20: the first one is the first response
    frozen_clock.at = local(1, 9, 10)
    conversations.agent_reply(conversation=conversation, by=sofia, text="Hola, ¿en qué te ayudo?")
    frozen_clock.at = local(1, 9, 20)
    conversations.agent_reply(conversation=conversation, by=sofia, text="¿Seguís ahí?")
    assert _deadlines(conversation) == (local(1, 9, 30), local(1, 9, 10), local(1, 13))

    # at 10:00 she transfers it to Ventas: Ventas owes a first answer within its 15 minutes
    frozen_clock.at = local(1, 10)
    routing.transfer(conversation=conversation, by=sofia, area_id=round_the_clock.pk)
    assert _deadlines(conversation) == (local(1, 10, 15), None, None)
    assert conversation.assigned_to_id == vera.pk

    frozen_clock.at = local(1, 10, 5)
    conversations.agent_reply(conversation=conversation, by=vera, text="Soy Vera, de Ventas")
    assert _deadlines(conversation) == (local(1, 10, 15), local(1, 10, 5), None)


def test_moving_within_the_area_keeps_the_deadlines(
    frozen_clock, office, make_user, make_agent, make_conversation
):
    lead = make_user(Role.SUPERVISOR, areas=[office])
    make_agent(office)
    tomas = make_agent(office)
    frozen_clock.at = local(1, 9)
    conversation = make_conversation("bot")
    routing.route_to_area(conversation=conversation, area=office)
    assert _deadlines(conversation) == (local(1, 9, 30), None, local(1, 13))

    frozen_clock.at = local(1, 9, 20)
    routing.transfer(conversation=conversation, by=lead, user_id=tomas.pk)
    assert _deadlines(conversation) == (local(1, 9, 30), None, local(1, 13))
    assert conversation.assigned_to_id == tomas.pk
    routing.transfer(conversation=conversation, by=lead, area_id=office.pk)
    assert _deadlines(conversation) == (local(1, 9, 30), None, local(1, 13))


def test_a_reopened_conversation_runs_no_target(frozen_clock, office, make_user, make_conversation):
    lead = make_user(Role.SUPERVISOR, areas=[office])
    frozen_clock.at = local(1, 9)
    conversation = make_conversation("bot")
    routing.route_to_area(conversation=conversation, area=office)
    conversations.conversation_close(conversation=conversation, by=lead, message="")

    conversations.conversation_reopen(conversation=conversation, by=lead)

    assert _deadlines(conversation)[::2] == (None, None)


# --- the list ------------------------------------------------------------------------------------


def _due_tag(html: str, conversation_id: int) -> str:
    row = re.search(rf'<a class="chat-item[^"]*" id="conv-{conversation_id}".*?</a>', html, re.S)
    assert row, f"no row for {conversation_id}"
    tag = re.search(r'<span class="tag tag--due[^"]*".*?</span>', row.group(0), re.S)
    return tag.group(0) if tag else ""


def test_the_row_counts_down_to_the_target_in_force(
    frozen_clock, office, make_user, make_agent, make_conversation
):
    lead = make_user(Role.SUPERVISOR, areas=[office])
    sofia = make_agent(office)
    client = Client()
    client.force_login(lead)
    frozen_clock.at = local(1, 9)
    conversation = make_conversation("bot")
    routing.route_to_area(conversation=conversation, area=office)

    def tag() -> str:
        return _due_tag(client.get("/chats/list/?tab=all").content.decode(), conversation.pk)

    # 12 minutes later: 18 left to answer, the deadline for the script to count down to
    frozen_clock.at = local(1, 9, 12)
    shown = tag()
    assert 'data-due-kind="first_response"' in shown
    assert 'datetime="2026-06-01T09:30:00-03:00"' in shown
    assert ">Responder en 18 min</time>" in shown
    assert "tag--soon" not in shown and "tag--overdue" not in shown
    frozen_clock.at = local(1, 9, 25)
    assert "tag--soon" in tag()
    # five minutes past it, unanswered
    frozen_clock.at = local(1, 9, 35)
    assert ">Vencida hace 5 min</time>" in tag() and "tag--overdue" in tag()

    # once answered, the row counts down to the resolution (13:00)
    conversations.agent_reply(conversation=conversation, by=sofia, text="Hola")
    shown = tag()
    assert 'data-due-kind="resolution"' in shown
    assert ">Vence en 3 h 25 min</time>" in shown

    # closed: no target shown in any tab
    conversations.conversation_close(conversation=conversation, by=sofia, message="")
    closed = client.get("/chats/list/?tab=closed").content.decode()
    assert _due_tag(closed, conversation.pk) == ""


def _routed(make_conversation, area, count, agent=None):
    for index in range(count):
        conversation = make_conversation("bot")
        routing.route_to_area(conversation=conversation, area=area)
        if agent is not None and index % 2:
            conversations.agent_reply(conversation=conversation, by=agent, text="hola")


def test_the_list_reads_the_deadlines_without_a_query_per_row(
    frozen_clock, office, make_user, make_agent, make_conversation, django_assert_max_num_queries
):
    lead = make_user(Role.SUPERVISOR, areas=[office])
    sofia = make_agent(office, max_open_conversations=1000)
    client = Client()
    client.force_login(lead)
    _routed(make_conversation, office, 4, sofia)

    with django_assert_max_num_queries(40) as few:
        assert client.get("/chats/list/?tab=all").status_code == 200
    _routed(make_conversation, office, 36, sofia)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/chats/list/?tab=all").content.decode()

    assert html.count('data-due-kind="first_response"') == 20
    assert html.count('data-due-kind="resolution"') == 20
