"""Statements per customer message with the demo flow answering, as the round-trip benchmark's
customers write (bench/roundtrip.py SCRIPT)."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.inbound.cloud_posts import cloud_webhook, post_signed
from ventanilla.conversations.models import Conversation
from ventanilla.conversations.serializers import conversation_item
from ventanilla.conversations.visibility import audience_of
from ventanilla.core.models import LiveEvent
from ventanilla.runtime import demo

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(number: int, text: str) -> list[str]:
    body = cloud_webhook({"id": f"wamid.turn.{number}", "type": "text", "text": {"body": text}})
    with CaptureQueriesContext(connection) as captured:
        assert post_signed(body).status_code == 200
    control = {"SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"}
    return [
        re.sub(r"^\d+ times: ", "", query["sql"])
        for query in captured.captured_queries
        if query["sql"].split()[0].upper() not in control
    ]


# (what the customer writes, the bot's replies, the webhook's statements where the database
# returns a batch's ids) as bench/roundtrip.py's customers go through the demo flow
TURNS = [
    ("Hola", 2, 19),  # a new customer: contact and conversation made, greeting and question
    ("30111222", 1, 11),  # the DNI stored on the contact, the menu
    ("3", 2, 12),  # Horarios: the hours, a goodbye, the conversation closed (not read again)
    ("Hola", 2, 14),  # back: a new conversation, the menu again (the DNI is on file)
]


def test_the_bots_turn_writes_its_replies_and_state_together(cloud_line):
    demo.load()
    batch = connection.features.can_return_rows_from_bulk_insert
    for number, (text, replies, webhook) in enumerate(TURNS):
        statements = _statements(number, text)

        # each reply sent at commit (tests run the sender threads' work inline): claim, record,
        # audience, event (ADR 0034)
        assert len(statements) == (webhook if batch else webhook + replies - 1) + 4 * replies, (
            text,
            statements,
        )
        # the bot's replies by one INSERT, its state and last message by one UPDATE
        bot_inserts = [
            sql for sql in statements if re.match(r"INSERT INTO .conversations_message. ", sql)
        ]
        assert len(bot_inserts) == 1 + (1 if batch else replies), text

    # the close's event was made from the conversation the turn held, not read again: it says
    # what a fresh read says
    closed = LiveEvent.objects.filter(name="conversation:closed").get()
    conversation = Conversation.objects.select_related(
        "contact", "area", "assigned_to", "last_message", "last_message__sender_user"
    ).get(pk=closed.data["id"])
    fresh = json.loads(json.dumps(conversation_item(conversation)))
    # as it was at the close, in the webhook's transaction: its last reply not sent yet
    fresh["last_message"].update(status="queued", provider_id=None)
    assert closed.data == fresh
    assert closed.data["contact"]["dni"] == "30111222"
    assert closed.audience == audience_of(conversation)
