"""One visibility rule for list, detail, messages, sending, closing, reading and the socket."""

import itertools

import pytest

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Conversation, Message
from ventanilla.conversations.visibility import Viewer, audience_of, can_see, visible_filter


@pytest.fixture
def desk(make_area, make_user, admin, make_conversation):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    people = {
        "admin": admin,
        "sup_soporte": make_user(Role.SUPERVISOR, areas=[soporte]),
        "sup_ventas": make_user(Role.SUPERVISOR, areas=[ventas]),
        "agent_soporte": make_user(Role.SUPPORT, areas=[soporte]),
        "agent_soporte_2": make_user(Role.OPERATOR, areas=[soporte]),
        "agent_ventas": make_user(Role.SALES, areas=[ventas]),
    }
    chats = {
        "bot": make_conversation("bot"),
        "queued_soporte": make_conversation("queued", area=soporte),
        "active_soporte_1": make_conversation(
            "active", area=soporte, assigned_to=people["agent_soporte"]
        ),
        "active_ventas": make_conversation(
            "active", area=ventas, assigned_to=people["agent_ventas"]
        ),
        "closed_soporte_1": make_conversation(
            "closed", area=soporte, assigned_to=people["agent_soporte"]
        ),
    }
    return people, chats


EXPECTED = {
    "admin": {"bot", "queued_soporte", "active_soporte_1", "active_ventas", "closed_soporte_1"},
    "sup_soporte": {"bot", "queued_soporte", "active_soporte_1", "closed_soporte_1"},
    "sup_ventas": {"bot", "active_ventas"},
    "agent_soporte": {"queued_soporte", "active_soporte_1", "closed_soporte_1"},
    "agent_soporte_2": {"queued_soporte"},
    "agent_ventas": {"active_ventas"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_list_shows_exactly_what_the_rule_allows(who, desk, api):
    people, chats = desk
    ids = {chat.pk: name for name, chat in chats.items()}

    items = api(people[who]).get("/api/conversations?limit=200").json()["items"]

    assert {ids[item["id"]] for item in items} == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_detail_messages_send_close_read_follow_the_same_rule(who, desk, api):
    people, chats = desk
    client = api(people[who])
    for name, chat in chats.items():
        visible = name in EXPECTED[who]
        messages_before = Message.objects.filter(conversation=chat).count()
        status_before = Conversation.objects.get(pk=chat.pk).status

        answers = [
            client.get(f"/api/conversations/{chat.pk}"),
            client.get(f"/api/conversations/{chat.pk}/messages"),
            client.post(f"/api/conversations/{chat.pk}/read"),
        ]
        if not visible:
            answers += [
                client.post(f"/api/conversations/{chat.pk}/messages", {"text": "hola"}),
                client.post(f"/api/conversations/{chat.pk}/close", {}),
            ]

        codes = [answer.status_code for answer in answers]
        if visible:
            assert codes == [200, 200, 200], (who, name, codes)
        else:
            assert codes == [404] * 5, (who, name, codes)
            assert Message.objects.filter(conversation=chat).count() == messages_before
            assert Conversation.objects.get(pk=chat.pk).status == status_before


ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.SUPPORT, Role.SALES]


def test_queryset_rule_and_event_rule_agree_on_every_combination(make_area, make_user, admin):
    # given every role with and without the area, and conversations in every state
    area, other = make_area("A"), make_area("B")
    viewers = [Viewer.of(admin)]
    for role in ROLES[1:]:
        viewers.append(Viewer.of(make_user(role, areas=[area])))
    assignees = [None, viewers[2].id, viewers[3].id]
    snapshots = [
        {"conversation_id": 0, "status": status, "area_id": area_id, "assigned_to_id": assignee}
        for status, area_id, assignee in itertools.product(
            ["bot", "queued", "active", "closed"], [None, area.pk, other.pk], assignees
        )
    ]
    for viewer in viewers:
        for snapshot in snapshots:
            conversation = Conversation(
                status=snapshot["status"],
                area_id=snapshot["area_id"],
                assigned_to_id=snapshot["assigned_to_id"],
            )
            by_queryset = _matches_q(visible_filter(viewer), conversation)
            assert can_see(viewer, audience_of(conversation)) == by_queryset, (viewer, snapshot)


def test_the_rule_narrowed_to_some_statuses_keeps_the_same_conversations_among_them(
    make_area, make_user, admin
):
    # given every role with and without the area, conversations in every state, and every set of
    # statuses a list may keep
    area, other = make_area("A"), make_area("B")
    viewers = [Viewer.of(admin)]
    for role in ROLES[1:]:
        viewers.append(Viewer.of(make_user(role, areas=[area])))
    everyone = [None, viewers[2].id, viewers[3].id]
    statuses = ["bot", "queued", "active", "closed"]
    kept_sets = [set(kept) for n in range(1, 5) for kept in itertools.combinations(statuses, n)]
    for viewer, kept in itertools.product(viewers, kept_sets):
        for status, area_id, assignee in itertools.product(
            statuses, [None, area.pk, other.pk], everyone
        ):
            conversation = Conversation(status=status, area_id=area_id, assigned_to_id=assignee)
            whole = _matches_q(visible_filter(viewer), conversation) and status in kept
            narrowed = _matches_q(visible_filter(viewer, statuses=kept), conversation)
            # then among the kept statuses the narrowed rule admits exactly what the rule does
            assert whole == (narrowed and status in kept), (viewer, kept, conversation.__dict__)


def _matches_q(q, conversation) -> bool:
    """Evaluates a simple Q (AND/OR of exact, __in and __isnull lookups) on an unsaved row."""
    if not q.children:
        return not q.negated
    results = []
    for child in q.children:
        if hasattr(child, "children"):
            results.append(_matches_q(child, conversation))
            continue
        lookup, expected = child
        field, _, op = lookup.partition("__")
        field = {"area": "area_id", "assigned_to": "assigned_to_id"}.get(field, field)
        value = getattr(conversation, field)
        if op == "in":
            results.append(value in set(expected))
        elif op == "isnull":
            results.append((value is None) == expected)
        else:
            results.append(value == expected)
    outcome = all(results) if q.connector == "AND" else any(results)
    return not outcome if q.negated else outcome
