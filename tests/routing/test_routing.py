"""Who gets a conversation: eligibility, the least-loaded pick and its ties, capacity, queues."""

from datetime import timedelta

import pytest

from tests.routing.conftest import MONDAY_9
from ventanilla.accounts.models import Role, User
from ventanilla.conversations.models import Conversation, ConversationEvent, Message
from ventanilla.core.errors import Conflict, InvalidInput
from ventanilla.routing import services as routing
from ventanilla.schedules import services as schedules

DEFAULT_COURTESY = (
    "Nuestro horario de atención es de 8:00 a 18:00 hs. "
    "Te responderemos apenas volvamos a estar disponibles."
)


def _events(conversation) -> list[tuple[str, dict]]:
    rows = ConversationEvent.objects.filter(conversation=conversation).order_by("pk")
    return [(row.kind, row.data) for row in rows if row.kind not in {"created", "contact_created"}]


def _state(conversation) -> tuple:
    conversation.refresh_from_db()
    return (conversation.status, conversation.area_id, conversation.assigned_to_id)


def _give(make_conversation, agent, count, area):
    for _ in range(count):
        make_conversation("active", area=area, assigned_to=agent)


# --- the pick -----------------------------------------------------------------------------------


def test_least_loaded_agent_gets_it_counting_every_area(
    frozen_clock, soporte, ventas, make_agent, make_conversation
):
    # given three agents of Soporte: ana with 2 open chats, beto with 1, carla with 1 in Soporte
    # and 1 in Ventas (2 in all), plus a closed chat for beto that does not count
    ana, beto = make_agent(soporte), make_agent(soporte)
    carla = make_agent(soporte, ventas)
    _give(make_conversation, ana, 2, soporte)
    _give(make_conversation, beto, 1, soporte)
    make_conversation("closed", area=soporte, assigned_to=beto)
    _give(make_conversation, carla, 1, soporte)
    _give(make_conversation, carla, 1, ventas)
    conversation = make_conversation("bot")

    # when the bot hands the conversation to Soporte
    outcome = routing.route_to_area(conversation=conversation, area=soporte)

    # then beto gets it, and the event says who was considered and with what load
    assert outcome == "assigned"
    assert _state(conversation) == ("active", soporte.pk, beto.pk)
    assert conversation.bot_active is False
    assert _events(conversation) == [
        (
            "assigned",
            {
                "user_id": beto.pk,
                "area_id": soporte.pk,
                "candidates": [
                    {"user_id": beto.pk, "presence": "available", "load": 1, "capacity": None},
                    {"user_id": ana.pk, "presence": "available", "load": 2, "capacity": None},
                    {"user_id": carla.pk, "presence": "available", "load": 2, "capacity": None},
                ],
                "others": [],
                "reason": "least_loaded",
            },
        )
    ]
    beto.refresh_from_db()
    assert beto.last_assigned_at == MONDAY_9
    assert User.objects.exclude(pk=beto.pk).filter(last_assigned_at__isnull=False).count() == 0


def test_equal_loads_go_to_the_one_waiting_longest_never_assigned_first(
    frozen_clock, soporte, make_agent, make_conversation
):
    recent = make_agent(soporte, last_assigned_at=MONDAY_9 - timedelta(minutes=5))
    oldest = make_agent(soporte, last_assigned_at=MONDAY_9 - timedelta(hours=3))
    never = make_agent(soporte)

    picks = []
    for _ in range(3):
        conversation = make_conversation("bot")
        routing.route_to_area(conversation=conversation, area=soporte)
        conversation.refresh_from_db()
        picks.append(conversation.assigned_to_id)

    assert picks == [never.pk, oldest.pk, recent.pk]


def test_equal_loads_and_times_go_to_the_lowest_id(
    frozen_clock, soporte, make_agent, make_conversation
):
    first, second = make_agent(soporte), make_agent(soporte)
    User.objects.update(last_assigned_at=MONDAY_9 - timedelta(hours=1))
    conversation = make_conversation("bot")

    routing.route_to_area(conversation=conversation, area=soporte)

    assert _state(conversation) == ("active", soporte.pk, min(first.pk, second.pk))


def test_capacity_is_respected(frozen_clock, soporte, make_agent, make_conversation):
    # given ana at her capacity of 1 and beto with 3 chats and no limit
    ana = make_agent(soporte, max_open_conversations=1)
    beto = make_agent(soporte)
    _give(make_conversation, ana, 1, soporte)
    _give(make_conversation, beto, 3, soporte)
    conversation = make_conversation("bot")

    outcome = routing.route_to_area(conversation=conversation, area=soporte)

    assert outcome == "assigned"
    assert _state(conversation) == ("active", soporte.pk, beto.pk)
    why = _events(conversation)[-1][1]
    assert why["candidates"] == [
        {"user_id": beto.pk, "presence": "available", "load": 3, "capacity": None}
    ]
    assert why["others"] == [
        {
            "user_id": ana.pk,
            "presence": "available",
            "load": 1,
            "capacity": 1,
            "excluded": "at_capacity",
        }
    ]
    assert why["reason"] == "only_candidate"
    assert [(u.pk, u.load) for u in routing.eligible_agents(area_id=soporte.pk)] == [(beto.pk, 4)]


def test_everyone_at_capacity_queues(frozen_clock, soporte, make_agent, make_conversation):
    ana = make_agent(soporte, max_open_conversations=2)
    _give(make_conversation, ana, 2, soporte)
    conversation = make_conversation("bot")

    outcome = routing.route_to_area(conversation=conversation, area=soporte)

    assert outcome == "queued"
    assert _state(conversation) == ("queued", soporte.pk, None)


@pytest.mark.parametrize(
    "excluded",
    [
        {"availability": "away"},
        {"console_open": False},
        {"is_active": False},
        {"role": Role.ADMIN},
        {"member": False},
        {"console_expired": True},
    ],
    ids=["away", "console-closed", "inactive", "admin", "not-a-member", "console-expired"],
)
def test_ineligible_agents_are_skipped(
    frozen_clock, soporte, ventas, make_agent, make_conversation, excluded
):
    # given an idle but ineligible agent and a busy eligible one
    options = dict(excluded)
    member = options.pop("member", True)
    expired = options.pop("console_expired", False)
    idle = make_agent(soporte if member else ventas, **options)
    if expired:
        User.objects.filter(pk=idle.pk).update(console_seen_until=MONDAY_9 - timedelta(seconds=1))
    busy = make_agent(soporte)
    _give(make_conversation, busy, 2, soporte)
    conversation = make_conversation("bot")

    outcome = routing.route_to_area(conversation=conversation, area=soporte)

    assert outcome == "assigned"
    assert _state(conversation) == ("active", soporte.pk, busy.pk)
    assert [u.pk for u in routing.eligible_agents(area_id=soporte.pk)] == [busy.pk]


def test_console_expiry_is_read_from_the_clock(frozen_clock, soporte, make_agent):
    agent = make_agent(soporte)
    later = agent.console_seen_until

    assert [u.pk for u in routing.eligible_agents(area_id=soporte.pk)] == [agent.pk]
    assert routing.eligible_agents(area_id=soporte.pk, now=later) == []
    frozen_clock.at = later
    assert routing.eligible_agents(area_id=soporte.pk) == []


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPPORT, Role.SALES, Role.SUPERVISOR])
def test_agents_and_supervisors_are_eligible(
    frozen_clock, soporte, make_agent, make_conversation, role
):
    agent = make_agent(soporte, role=role)
    conversation = make_conversation("bot")

    assert routing.route_to_area(conversation=conversation, area=soporte) == "assigned"
    assert _state(conversation) == ("active", soporte.pk, agent.pk)


# --- nobody eligible, after hours ---------------------------------------------------------------


def test_nobody_available_queues_without_a_message(
    frozen_clock, soporte, make_agent, make_conversation
):
    away = make_agent(soporte, availability="away")
    conversation = make_conversation("bot")
    outbound_before = Message.objects.filter(direction="out").count()

    outcome = routing.route_to_area(conversation=conversation, area=soporte)

    assert outcome == "queued"
    assert _state(conversation) == ("queued", soporte.pk, None)
    assert conversation.queued_at == MONDAY_9
    assert conversation.bot_active is False
    assert _events(conversation) == [
        (
            "queued",
            {
                "area_id": soporte.pk,
                "reason": "nobody_available",
                "candidates": [],
                "others": [
                    {
                        "user_id": away.pk,
                        "presence": "away",
                        "load": 0,
                        "capacity": None,
                        "excluded": "away",
                    }
                ],
            },
        )
    ]
    assert conversation.queue_reason == "nobody_available"
    assert Message.objects.filter(direction="out").count() == outbound_before


@pytest.fixture
def office_hours(soporte):
    """Soporte works weekdays 08:00-18:00 (Buenos Aires)."""
    return schedules.working_hour_create(
        area_id=soporte.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
    )


def test_after_hours_queues_and_sends_the_courtesy_text_once(
    frozen_clock,
    soporte,
    office_hours,
    make_agent,
    make_conversation,
    django_capture_on_commit_callbacks,
):
    # given Monday 20:00 in Buenos Aires, an available agent, and a customer talking to the bot
    make_agent(soporte)
    frozen_clock.move(hours=11)
    conversation = make_conversation("bot")

    # when the bot hands over to Soporte, twice (say, the customer chose the option again)
    with django_capture_on_commit_callbacks(execute=True):  # the send job runs on commit
        first = routing.route_to_area(conversation=conversation, area=soporte)
        frozen_clock.move(minutes=5)
        second = routing.route_to_area(conversation=conversation, area=soporte)

    # then the conversation waits in Soporte's queue from the first time, with one courtesy text
    assert (first, second) == ("closed_hours", "closed_hours")
    assert _state(conversation) == ("queued", soporte.pk, None)
    assert conversation.queued_at == MONDAY_9 + timedelta(hours=11)
    assert _events(conversation) == [("queued", {"area_id": soporte.pk, "reason": "after_hours"})]
    sent = list(
        conversation.messages.filter(direction="out").values_list("sender_type", "text", "status")
    )
    assert sent == [("bot", DEFAULT_COURTESY, "sent")]


def test_after_hours_uses_the_windows_message(
    frozen_clock, soporte, office_hours, make_conversation
):
    schedules.working_hour_update(working_hour=office_hours, message="Volvemos a las 8.")
    frozen_clock.move(hours=-2)  # Monday 07:00
    conversation = make_conversation("bot")

    assert routing.route_to_area(conversation=conversation, area=soporte) == "closed_hours"
    courtesy = conversation.messages.filter(direction="out").get()
    assert (courtesy.sender_type, courtesy.text, courtesy.status) == (
        "bot",
        "Volvemos a las 8.",
        "queued",
    )


# --- transfers ----------------------------------------------------------------------------------


def test_transfer_to_an_area_records_it_then_routes(
    frozen_clock, soporte, ventas, make_agent, make_user, make_conversation
):
    seller = make_agent(ventas)
    helper = make_agent(soporte)
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte, ventas])
    conversation = make_conversation("active", area=ventas, assigned_to=seller)

    outcome = routing.transfer_to_area(conversation=conversation, area=soporte, by=supervisor)

    assert outcome == "assigned"
    assert _state(conversation) == ("active", soporte.pk, helper.pk)
    kinds = [(kind, data.get("user_id")) for kind, data in _events(conversation)]
    assert kinds == [("assigned", seller.pk), ("transferred", None), ("assigned", helper.pk)]
    transferred = ConversationEvent.objects.get(conversation=conversation, kind="transferred")
    assert (transferred.actor_id, transferred.data) == (
        supervisor.pk,
        {"area_id": soporte.pk, "user_id": None},
    )
    last = ConversationEvent.objects.filter(conversation=conversation).latest("pk")
    assert last.actor_id == supervisor.pk


def test_transfer_to_a_deactivated_area_is_refused_and_writes_nothing(
    frozen_clock, soporte, make_agent, admin, make_conversation
):
    from ventanilla.accounts.services import area_update

    old = area_update(area=soporte, is_active=False)
    conversation = make_conversation("bot")
    before = ConversationEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        routing.transfer_to_area(conversation=conversation, area=old, by=admin)

    assert refused.value.errors == {"area_id": ["Esa área está desactivada."]}
    assert ConversationEvent.objects.count() == before
    assert _state(conversation) == ("bot", None, None)


def test_a_closed_conversation_is_not_routed(
    frozen_clock, soporte, make_agent, admin, make_conversation
):
    make_agent(soporte)
    conversation = make_conversation("closed", assigned_to=admin)
    before = ConversationEvent.objects.count()

    with pytest.raises(Conflict):
        routing.route_to_area(conversation=conversation, area=soporte)
    with pytest.raises(Conflict):
        routing.transfer_to_area(conversation=conversation, area=soporte, by=admin)

    assert ConversationEvent.objects.count() == before
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"
