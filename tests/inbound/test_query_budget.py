"""The per-message query budget of the webhook path, chosen by bench/ingest.py (ADR 0009).

A known customer writing into an open conversation costs: the locked conversation with its
contact, the duplicate check, the message, the conversation's counters and the live-event log,
inside one transaction. The bot adds nothing when no flow applies, and never reads flows per
message.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.inbound.cloud_posts import cloud_webhook, post_signed
from ventanilla.conversations.models import Message
from ventanilla.flows.services import flow_create


def _text(number: int) -> dict:
    return cloud_webhook({"id": f"wamid.budget.{number}", "type": "text", "text": {"body": "ok"}})


def _menu(name: str, *, is_default: bool) -> dict:
    end = {"type": "end", "label": "Listo", "text": "Gracias."}
    return {
        "name": name,
        "is_default": is_default,
        "is_active": True,
        "triggers": [f"menu {name}"],
        "invalid_option_text": "Elegí una opción.",
        "fallback_area_id": None,
        "root": {"type": "menu", "text": "¿En qué te ayudamos?", "children": [end]},
    }


def _statements(body: dict) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert post_signed(body).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _without_transaction_control(statements: list[str]) -> list[str]:
    control = {"SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"}
    return [sql.split()[0].upper() for sql in statements if sql.split()[0].upper() not in control]


def test_a_known_customers_message_without_a_flow_costs_five_statements(cloud_line):
    assert post_signed(_text(0)).status_code == 200

    statements = _statements(_text(1))

    assert _without_transaction_control(statements) == [
        "SELECT",  # the open conversation, locked, with its contact
        "SELECT",  # a repeated delivery?
        "INSERT",  # the message
        "UPDATE",  # the conversation's counters and last message
        "INSERT",  # the live events, for consoles that reconnect
    ]
    assert len(statements) <= 7  # one transaction around them
    assert Message.objects.count() == 2


@pytest.mark.parametrize("flows", [1, 5])
def test_the_bot_reads_no_flow_per_message(flows, cloud_line):
    for number in range(flows):
        flow_create(data=_menu(f"Flujo {number}", is_default=number == 0))
    assert post_signed(_text(0)).status_code == 200
    assert post_signed(_text(1)).status_code == 200

    before = Message.objects.filter(direction="out").count()

    statements = _statements(_text(2))

    bot_messages = Message.objects.filter(direction="out").count() - before
    assert bot_messages >= 1
    assert not [sql for sql in statements if "flows_" in sql]
    # the customer's five, the bot's state, then per bot message: insert, counters, audience, event
    assert len(_without_transaction_control(statements)) == 5 + 1 + 4 * bot_messages


def test_a_customer_who_teaches_something_new_takes_the_full_path(cloud_line):
    from ventanilla.contacts.models import Contact

    first = cloud_webhook({"id": "wamid.new.0", "type": "text", "text": {"body": "hola"}}, name="")
    assert post_signed(first).status_code == 200
    assert Contact.objects.get().name == "Desconocido"

    # the same customer again, now with a profile name: the contact learns it
    again = cloud_webhook({"id": "wamid.new.1", "type": "text", "text": {"body": "soy Ana"}})
    assert post_signed(again).status_code == 200

    assert Contact.objects.get().name == "Ana"
    assert Message.objects.filter(direction="in").count() == 2
