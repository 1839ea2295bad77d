"""Simultaneous webhooks for a new number: one contact, one conversation, every message once."""

import pytest

from tests.databases import needs_concurrent_writers
from tests.threads import run_at_once
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.inbound import pipeline
from ventanilla.providers.base import InboundMessage, ParsedWebhook

pytestmark = pytest.mark.django_db(transaction=True)


def _inbound(message_id: str, *, phone="5493515559999", user_id="AR.999") -> InboundMessage:
    return InboundMessage(
        provider_message_id=message_id,
        from_phone=phone,
        from_user_id=user_id,
        profile_name="Nuevo",
        type="text",
        text=message_id,
    )


@needs_concurrent_writers()
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


@needs_concurrent_writers()
def test_the_same_message_ten_times_at_once(sandbox_line):
    def deliver(index):
        parsed = ParsedWebhook(messages=[_inbound("wamid.SAME")])
        pipeline.receive(line_for=lambda key: sandbox_line, parsed=parsed)

    _, errors = run_at_once(10, deliver)

    assert errors == []
    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1


def _from(phone: str, message_id: str) -> InboundMessage:
    return _inbound(message_id, phone=phone, user_id="")


@needs_concurrent_writers()
def test_batches_over_the_same_conversations_at_once_lose_no_count(sandbox_line):
    phones = [f"549351556{n:04d}" for n in range(5)]
    for phone in phones:  # known customers with open conversations
        parsed = ParsedWebhook(messages=[_from(phone, f"wamid.first.{phone}")])
        pipeline.receive(line_for=lambda key: sandbox_line, parsed=parsed)

    def deliver(index):
        # each worker stores a batch touching every conversation, in its own order
        mine = phones[index % 5 :] + phones[: index % 5]
        webhooks = [
            (
                lambda key: sandbox_line,
                ParsedWebhook(messages=[_from(phone, f"wamid.w{index}.{number}")]),
            )
            for number, phone in enumerate(mine * 2)
        ]
        return pipeline.receive_many(webhooks)

    results, errors = run_at_once(8, deliver)

    assert errors == []
    assert all(not isinstance(r, Exception) for batch in results for r in batch), results
    assert Message.objects.count() == 5 + 8 * 10
    for conversation in Conversation.objects.all():
        stored = conversation.messages.count()
        assert stored == 1 + 8 * 2
        assert conversation.unread_count == stored
        assert conversation.last_message_id == conversation.messages.latest("pk").pk
