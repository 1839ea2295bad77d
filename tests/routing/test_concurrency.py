"""Simultaneous routings and drains, each thread on its own connection: nobody is over-assigned."""

from collections import Counter

import pytest

from tests.databases import needs_concurrent_writers
from tests.threads import run_at_once
from ventanilla.conversations.models import Conversation, ConversationEvent
from ventanilla.routing import services as routing

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_concurrent_writers(
        "needs PostgreSQL or MariaDB: SQLite's IMMEDIATE transactions let one writer in at a "
        "time, so routings cannot race, and its in-memory test database is one shared cache "
        "that threads cannot write concurrently"
    ),
]


def _loads(agents) -> list[int]:
    counts = Counter(
        Conversation.objects.filter(status="active").values_list("assigned_to_id", flat=True)
    )
    return sorted(counts.get(agent.pk, 0) for agent in agents)


def _assert_serialised(conversations) -> None:
    """Replays the assignments in the order they were written: each one must have seen, for
    every candidate, exactly the load left by the ones before it, and taken the least loaded."""
    events = ConversationEvent.objects.filter(
        kind="assigned", conversation__in=conversations
    ).order_by("pk")
    replayed: Counter = Counter()
    for event in events:
        seen = {c["user_id"]: c["load"] for c in event.data["candidates"]}
        assert seen == {user_id: replayed[user_id] for user_id in seen}
        assert seen[event.data["user_id"]] == min(seen.values())
        replayed[event.data["user_id"]] += 1
    assert sum(replayed.values()) == len(conversations)


def test_twenty_simultaneous_routings_share_three_agents_evenly(
    make_area, make_agent, make_conversation
):
    # given an area of 3 available agents and 20 customers talking to the bot
    soporte = make_area("Soporte")
    agents = [make_agent(soporte) for _ in range(3)]
    customers = [make_conversation("bot") for _ in range(20)]

    # when all 20 are handed to the area at the same moment
    outcomes, errors = run_at_once(
        20, lambda i: routing.route_to_area(conversation=customers[i], area=soporte)
    )

    # then every one is assigned and the loads differ by at most one
    assert errors == []
    assert outcomes == ["assigned"] * 20
    assert _loads(agents) == [6, 7, 7]
    assert Conversation.objects.filter(status="active", area=soporte).count() == 20
    events = ConversationEvent.objects.filter(kind="assigned", conversation__in=customers)
    assert events.count() == 20
    # each routing counted after the previous ones committed
    assert all(len(event.data["candidates"]) == 3 for event in events)
    _assert_serialised(customers)


def test_simultaneous_routings_never_exceed_capacity(make_area, make_agent, make_conversation):
    soporte = make_area("Soporte")
    agents = [make_agent(soporte, max_open_conversations=3) for _ in range(2)]
    customers = [make_conversation("bot") for _ in range(10)]

    outcomes, errors = run_at_once(
        10, lambda i: routing.route_to_area(conversation=customers[i], area=soporte)
    )

    assert errors == []
    assert Counter(outcomes) == {"assigned": 6, "queued": 4}
    assert _loads(agents) == [3, 3]
    assert Conversation.objects.filter(status="queued", area=soporte).count() == 4


def test_overlapping_drains_assign_each_conversation_once(make_area, make_agent, make_conversation):
    # given six customers queued while nobody was available, then three agents coming online
    soporte = make_area("Soporte")
    customers = [make_conversation("bot") for _ in range(6)]
    for customer in customers:
        assert routing.route_to_area(conversation=customer, area=soporte) == "queued"
    agents = [make_agent(soporte) for _ in range(3)]

    # when three scheduler runs drain at the same moment
    assigned, errors = run_at_once(3, lambda i: routing.drain_queues())

    # then each conversation was assigned exactly once and the agents share them evenly
    assert errors == []
    assert sum(assigned) == 6
    assert _loads(agents) == [2, 2, 2]
    per_conversation = Counter(
        ConversationEvent.objects.filter(kind="assigned").values_list("conversation_id", flat=True)
    )
    assert per_conversation == {customer.pk: 1 for customer in customers}


def test_routings_into_overlapping_areas_do_not_deadlock(make_area, make_agent, make_conversation):
    # given agents shared between two areas, locked in different orders by different routings
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    shared = [make_agent(soporte, ventas) for _ in range(2)]
    only_soporte, only_ventas = make_agent(soporte), make_agent(ventas)
    customers = [make_conversation("bot") for _ in range(16)]

    outcomes, errors = run_at_once(
        16,
        lambda i: routing.route_to_area(
            conversation=customers[i], area=soporte if i % 2 else ventas
        ),
    )

    # then nobody deadlocked and every routing saw the loads the ones before it committed
    assert errors == []
    assert outcomes == ["assigned"] * 16
    assert sum(_loads([*shared, only_soporte, only_ventas])) == 16
    _assert_serialised(customers)
