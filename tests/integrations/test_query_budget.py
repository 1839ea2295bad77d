"""Webhooks cost nothing per message when nobody subscribed to its events: the active
subscriptions are cached per process, so a known customer's message is still the six statements
of tests/inbound/test_query_budget.py, and an agent's assignment reads nothing more either."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.inbound.test_query_budget import KNOWN_CUSTOMER, _statements, _text
from tests.inbound.test_query_budget import _without_transaction_control as _verbs
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation
from ventanilla.integrations.models import Delivery


@pytest.mark.parametrize("subscribed", [None, ["contact.updated"]])
def test_a_message_nobody_subscribed_to_costs_no_query(cloud_line, subscribe, subscribed):
    if subscribed:
        subscribe(subscribed)
    assert _statements(_text(0))  # the contact, the conversation; the cache warms

    assert _verbs(_statements(_text(1))) == KNOWN_CUSTOMER
    assert Delivery.objects.count() == 0


def test_a_subscribed_message_adds_one_insert(cloud_line, subscribe):
    subscribe(["message.received"])
    _statements(_text(0))

    assert _verbs(_statements(_text(1))) == [*KNOWN_CUSTOMER, "INSERT"]  # the delivery
    assert Delivery.objects.filter(event="message.received").count() == 2


def _assignment_statements(conversation, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        conversations.conversation_assign(conversation=conversation, user=user, by=user)
    return len(captured.captured_queries)


def test_an_assignment_nobody_subscribed_to_reads_nothing_more(cloud_line, admin, subscribe):
    _statements(_text(0))
    conversation = Conversation.objects.get()
    without = _assignment_statements(conversation, admin)
    subscribe(["contact.created"])
    _statements(_text(1))  # the cache warms

    assert _assignment_statements(conversation, admin) == without
    assert Delivery.objects.count() == 0
