"""Simultaneous webhooks for a new number: one contact, one conversation, every message once."""

import threading

import pytest
from django.db import connection

from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.inbound import pipeline
from ventanilla.providers.base import InboundMessage, ParsedWebhook

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(count: int, work) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int):
        barrier.wait()
        try:
            work(index)
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _inbound(message_id: str) -> InboundMessage:
    return InboundMessage(
        provider_message_id=message_id,
        from_phone="5493515559999",
        from_user_id="AR.999",
        profile_name="Nuevo",
        type="text",
        text=message_id,
    )


@pytest.fixture
def server_database():
    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers, so there is no race")


def test_ten_first_messages_at_once(server_database, sandbox_line):
    def deliver(index):
        parsed = ParsedWebhook(messages=[_inbound(f"wamid.C{index}")])
        pipeline.receive(line_for=lambda key: sandbox_line, parsed=parsed)

    errors = _run_at_once(10, deliver)

    assert errors == []
    assert Contact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 10
    assert Conversation.objects.get().unread_count == 10


def test_the_same_message_ten_times_at_once(server_database, sandbox_line):
    def deliver(index):
        parsed = ParsedWebhook(messages=[_inbound("wamid.SAME")])
        pipeline.receive(line_for=lambda key: sandbox_line, parsed=parsed)

    errors = _run_at_once(10, deliver)

    assert errors == []
    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1
