"""The query budget of the webhook path, chosen by bench/ingest.py (ADRs 0009 and 0016).

Known customers writing into open conversations cost, for the whole batch of webhooks stored
together: their contacts, their open conversations (locked), the duplicate check, the messages,
the conversations' counters and the live-event log, inside one transaction: the same six
statements for one message as for twenty. The bot adds nothing when no flow applies, and never
reads flows per message.
"""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fakes.cloud_api import CLOUD_APP_SECRET, sign
from tests.flows.samples import end_option, menu_flow
from tests.inbound.cloud_posts import cloud_webhook, post_signed
from ventanilla.api.webhooks import handle_cloud_posts
from ventanilla.conversations.models import Conversation, Message
from ventanilla.flows.services import flow_create


def _text(number: int) -> dict:
    return cloud_webhook({"id": f"wamid.budget.{number}", "type": "text", "text": {"body": "ok"}})


def _menu(name: str, *, is_default: bool) -> dict:
    return menu_flow(end_option(), name=name, is_default=is_default, triggers=[f"menu {name}"])


def _statements(body: dict) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert post_signed(body).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _without_transaction_control(statements: list[str]) -> list[str]:
    control = {"SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"}
    # Django logs one executemany as "<rows> times: <statement>"
    verbs = [re.sub(r"^\d+ times: ", "", sql).split()[0].upper() for sql in statements]
    return [verb for verb in verbs if verb not in control]


KNOWN_CUSTOMER = [
    "SELECT",  # the senders' contacts
    "SELECT",  # their open conversations, locked
    "SELECT",  # repeated deliveries?
    "INSERT",  # the messages
    "UPDATE",  # the conversations' counters and last message (one statement, run per row)
    "INSERT",  # the live events, for consoles that reconnect
]


def test_a_known_customers_message_without_a_flow_costs_six_statements(cloud_line):
    assert post_signed(_text(0)).status_code == 200

    statements = _statements(_text(1))

    assert _without_transaction_control(statements) == KNOWN_CUSTOMER
    assert len(statements) <= 8  # one transaction around them
    assert Message.objects.count() == 2


def _signed(number: int, phone: str) -> tuple[bytes, str]:
    body = cloud_webhook(
        {"id": f"wamid.batch.{number}", "type": "text", "text": {"body": f"m{number}"}},
        phone=phone,
    )
    raw = json.dumps(body).encode()
    return raw, sign(raw, CLOUD_APP_SECRET)


@pytest.mark.parametrize("customers", [2, 20])
def test_a_batch_of_known_customers_costs_the_statements_of_one(customers, cloud_line):
    phones = [f"549351555{n:04d}" for n in range(customers)]
    assert handle_cloud_posts([_signed(n, phone) for n, phone in enumerate(phones)])
    posts = [_signed(100 + n, phone) for n, phone in enumerate(phones * 2)]  # two each

    with CaptureQueriesContext(connection) as captured:
        answers = handle_cloud_posts(posts)

    assert [status for status, _ in answers] == [200] * len(posts)
    statements = [query["sql"] for query in captured.captured_queries]
    assert _without_transaction_control(statements) == KNOWN_CUSTOMER
    assert Message.objects.count() == 3 * customers
    for conversation in Conversation.objects.all():
        assert conversation.unread_count == 3
        last = conversation.messages.order_by("-pk").first()
        assert conversation.last_message_id == last.pk
        assert last.text.startswith("m1")  # the second of this batch's two


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
    # the customer's six, then the bot's turn: its messages (one statement where the database
    # returns a batch's ids), its state with the last message, and their events
    inserts = 1 if connection.features.can_return_rows_from_bulk_insert else bot_messages
    assert len(_without_transaction_control(statements)) == 6 + inserts + 2


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
