"""Simultaneous webhooks for a new number: one contact, one conversation, every message once."""

import pytest

from tests.threads import needs_a_server_database, run_at_once
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.inbound import pipeline
from ventanilla.providers.base import InboundMessage, ParsedWebhook

pytestmark = pytest.mark.django_db(transaction=True)


def _inbound(message_id: str) -> InboundMessage:
    return InboundMessage(
        provider_message_id=message_id,
        from_phone="5493515559999",
        from_user_id="AR.999",
        profile_name="Nuevo",
        type="text",
        text=message_id,
    )


@needs_a_server_database
def test_ten_first_messages_at_once(sandbox_line):
    def deliver(index):
        parsed = ParsedWebhook(messages=[_inbound(f"wamid.C{index}")])
        pipeline.receive(line_for=lambda key: sandbox_line, parsed=parsed)

    _, errors = run_at_once(10, deliver)

    assert errors == []
    assert Contact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 10
    assert Conversation.objects.get().unread_count == 10


@needs_a_server_database
def test_the_same_message_ten_times_at_once(sandbox_line):
    def deliver(index):
        parsed = ParsedWebhook(messages=[_inbound("wamid.SAME")])
        pipeline.receive(line_for=lambda key: sandbox_line, parsed=parsed)

    _, errors = run_at_once(10, deliver)

    assert errors == []
    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1
