"""Search inside messages: each database's own full-text index, through the one visibility rule
(conversations/search.py). Runs on SQLite, PostgreSQL and MariaDB alike (.ci/run); the tests
commit (`transaction=True`) because InnoDB updates a FULLTEXT index only when a transaction
commits."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ventanilla.accounts.models import Role
from ventanilla.conversations import selectors
from ventanilla.conversations.models import Conversation, Message
from ventanilla.conversations.search import snippet, terms
from ventanilla.core import clock
from ventanilla.core.text import fold
from ventanilla.inbound import sandbox

pytestmark = pytest.mark.django_db(transaction=True)


def writes(conversation: Conversation, text: str, key: str) -> Message:
    return sandbox.customer_writes(
        phone=conversation.contact.phone, name=conversation.contact.name, text=text, message_id=key
    )


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
        "bot": make_conversation("bot", text="Quiero pagar la factura de marzo"),
        "queued_soporte": make_conversation("queued", area=soporte, text="hola"),
        "active_soporte": make_conversation(
            "active", area=soporte, assigned_to=people["agent_soporte"], text="buen día"
        ),
        "active_ventas": make_conversation(
            "active", area=ventas, assigned_to=people["agent_ventas"], text="FACTURA vencida"
        ),
        "closed_soporte": make_conversation(
            "closed", area=soporte, assigned_to=people["agent_soporte"], text="la factura llegó"
        ),
    }
    writes(chats["queued_soporte"], "¿Me reenvían la Factúra?", "q2")
    writes(chats["active_soporte"], "el camión no pasó", "a2")
    return people, chats


VISIBLE = {
    "admin": {"bot", "queued_soporte", "active_soporte", "active_ventas", "closed_soporte"},
    "sup_soporte": {"bot", "queued_soporte", "active_soporte", "closed_soporte"},
    "sup_ventas": {"bot", "active_ventas"},
    "agent_soporte": {"queued_soporte", "active_soporte", "closed_soporte"},
    "agent_soporte_2": {"queued_soporte"},
    "agent_ventas": {"active_ventas"},
}
WITH_FACTURA = {"bot", "queued_soporte", "active_ventas", "closed_soporte"}


def found(client, q: str, status: str = "") -> list:
    query = f"/api/conversations?limit=200&q={q}" + (f"&status={status}" if status else "")
    answer = client.get(query)
    assert answer.status_code == 200, answer.content
    return answer.json()["items"]


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_a_word_finds_only_what_the_viewer_may_see(who, desk, api):
    people, chats = desk
    names = {chat.pk: name for name, chat in chats.items()}

    items = found(api(people[who]), "FACTURA")

    assert {names[item["id"]] for item in items} == VISIBLE[who] & WITH_FACTURA
    for item in items:
        text = Message.objects.get(pk=item["match"]["message_id"]).text
        assert "factura" in fold(text)
        assert item["match"]["text"] == " ".join(text.split())


def test_accents_and_case_are_ignored_both_ways(desk, api):
    people, chats = desk
    client = api(people["admin"])

    assert [item["id"] for item in found(client, "CAMION")] == [chats["active_soporte"].pk]
    assert [item["id"] for item in found(client, "Buen DIA")] == [chats["active_soporte"].pk]
    reenvian = [item["id"] for item in found(client, "reenvían factura")]
    assert reenvian == [chats["queued_soporte"].pk]


def test_every_word_is_needed_and_the_last_one_is_a_prefix(desk, api):
    people, chats = desk
    client = api(people["admin"])

    assert {i["id"] for i in found(client, "factura marzo")} == {chats["bot"].pk}
    assert {i["id"] for i in found(client, "factura venc")} == {chats["active_ventas"].pk}
    assert found(client, "factura camión") == []


def test_a_completed_word_is_whole_only_the_last_is_a_prefix(desk, api):
    people, chats = desk
    writes(chats["active_soporte"], "consulta sobre la facturación de abril", "a3")
    client = api(people["admin"])

    # "fact" typed and followed by another word is a whole word: no message holds it
    assert found(client, "fact venc") == []
    assert {i["id"] for i in found(client, "vencida fact")} == {chats["active_ventas"].pk}
    # "factura" completed does not find "facturación"; last, it does (a prefix)
    assert {i["id"] for i in found(client, "factura abril")} == set()
    assert {i["id"] for i in found(client, "abril factura")} == {chats["active_soporte"].pk}
    assert {i["id"] for i in found(client, "facturacion abril")} == {chats["active_soporte"].pk}
    # repeated, a word counts once, where it was typed last
    assert terms("fact abril fact") == ["abril", "fact"]


def test_the_shown_line_marks_a_completed_word_whole_and_the_last_a_prefix():
    text = "palabra " * 40 + "la facturación " + "resto " * 40 + "la factura vencida " + "x " * 40
    assert "la factura vencida" in snippet(text, ["factura", "venc"])
    assert "la facturación" in snippet(text, ["venc", "factura"])


def test_newest_first_and_the_newest_match_is_the_line_shown(desk, api):
    people, chats = desk
    newer = writes(chats["bot"], "otra vez la factura, por favor", "b2")
    writes(chats["bot"], "gracias", "b3")

    items = found(api(people["admin"]), "factura")

    activity = [item["last_activity_at"] for item in items]
    assert activity == sorted(activity, reverse=True)
    assert items[0]["id"] == chats["bot"].pk
    assert items[0]["match"]["message_id"] == newer.pk
    assert items[0]["match"]["text"] == "otra vez la factura, por favor"


def test_a_contact_search_still_finds_by_name_without_a_match_line(desk, api, make_conversation):
    people, _ = desk
    chat = make_conversation("bot", name="Zoe Quiroga", text="hola")

    items = found(api(people["admin"]), "Quiroga")

    assert [(item["id"], item["match"]) for item in items] == [(chat.pk, None)]


def test_a_changed_or_deleted_message_leaves_the_index(desk, api):
    people, chats = desk
    client = api(people["admin"])
    message = writes(chats["active_soporte"], "número de remito 4471", "a3")
    assert [i["id"] for i in found(client, "remito")] == [chats["active_soporte"].pk]

    Message.objects.filter(pk=message.pk).update(text="número de pedido")
    assert found(client, "remito") == []
    assert [i["id"] for i in found(client, "pedido")] == [chats["active_soporte"].pk]

    Message.objects.filter(pk=message.pk).delete()
    assert found(client, "pedido") == []


def test_the_index_answers_not_a_like_over_every_message(desk, admin):
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.conversation_list(user=admin, q="factura"))
    assert len(rows) == 4
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert not re.search(r"conversations_message.{0,4}\.\W?text\W?\s+(I?LIKE|REGEXP)", sql, re.I)
    expected = {
        "postgresql": "@@ to_tsquery('ventanilla_search'",
        "mysql": "`text`) AGAINST (",
        "sqlite": "conversations_message_fts MATCH",
    }[connection.vendor]
    assert expected in sql


def test_query_words_carry_no_syntax_of_any_database(desk, api):
    people, _ = desk
    client = api(people["admin"])
    for hostile in ['"factura', "factura*)", "fact' | 'x", "-factura +", "NEAR(a b)", "%_%"]:
        answer = client.get(f"/api/conversations?q={hostile}")
        assert answer.status_code == 200, hostile
    # InnoDB indexes no word under 3 characters: MariaDB's query leaves them out
    short = [] if connection.vendor == "mysql" else ["n"]
    assert terms("  ¡Factúra,  N°-123!  ") == ["factura", *short, "123"]


def test_the_shown_line_is_cut_around_the_word():
    text = "palabra " * 40 + "la factura que pedí " + "resto " * 40
    line = snippet(text, ["factura"])
    assert "la factura que pedí" in line
    assert line.startswith("…") and line.endswith("…")
    assert len(line) <= 122


def test_sqlite_keeps_its_index_by_triggers():
    if connection.vendor != "sqlite":
        pytest.skip("the triggers are SQLite's; PostgreSQL and MariaDB keep their index themselves")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["conversations_message"],
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "conversations_message_fts_insert",
        "conversations_message_fts_delete",
        "conversations_message_fts_update",
    }


def _message_steps(user, **filters) -> tuple[list[int], int]:
    """(the ids of conversation_list's search for "factura", how many statements match words)."""
    with CaptureQueriesContext(connection) as queries:
        ids = [c.pk for c in selectors.conversation_list(user=user, q="factura", **filters)]
    match = {"postgresql": "@@ to_tsquery", "mysql": "AGAINST (", "sqlite": "_fts MATCH"}
    steps = [q for q in queries.captured_queries if match[connection.vendor] in q["sql"]]
    return ids, len(steps)


@pytest.mark.parametrize(
    ("who", "filters", "steps"),
    [
        ("admin", {"statuses": ["closed"]}, 2),  # most of the desk: the last week, then all
        ("admin", {}, 2),
        ("sup_soporte", {"statuses": ["closed"]}, 2),
        ("admin", {"statuses": ["queued", "active"]}, 1),  # only open ones: all at once
        ("admin", {"statuses": ["closed"], "assigned": "me"}, 1),  # one assignee's
        ("agent_soporte", {}, 1),  # an agent's own and their queue
    ],
)
def test_a_search_finds_older_conversations_at_once_or_after_the_last_week(
    who, filters, steps, desk, make_conversation
):
    people, chats = desk
    month_ago = clock.now() - timedelta(days=30)
    old = make_conversation(
        "closed",
        area=chats["closed_soporte"].area,
        assigned_to=people["agent_soporte_2"],
        text="otra factura",
    )
    Conversation.objects.filter(pk=old.pk).update(last_activity_at=month_ago)
    Conversation.objects.filter(pk=chats["closed_soporte"].pk).update(
        last_activity_at=month_ago - timedelta(days=1)
    )

    ids, message_steps = _message_steps(people[who], **filters)

    statuses = filters.get("statuses")
    expected = [
        chats[name].pk
        for name in ("bot", "queued_soporte", "active_ventas", "closed_soporte")
        if name in VISIBLE[who] & WITH_FACTURA and (not statuses or name.split("_")[0] in statuses)
    ]
    if who in ("admin", "sup_soporte") and (not statuses or "closed" in statuses):
        expected.insert(-1, old.pk)  # newer activity than closed_soporte's
    if filters.get("assigned") == "me":
        expected = []
    assert sorted(ids) == sorted(expected)
    assert message_steps == steps
