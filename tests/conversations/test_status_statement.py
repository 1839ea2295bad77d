"""Status webhooks applied by one statement where the database can (ADR 0036): the same rule,
history and event as the locked path, on every database."""

from datetime import UTC, datetime

import pytest

from tests.inbound.cloud_posts import customer_writes
from ventanilla.conversations.models import DeliveryStatus, EarlyStatus, Message
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.conversations.serializers import message_item
from ventanilla.conversations.statuses import status_advanced
from ventanilla.conversations.visibility import audience_of
from ventanilla.core.models import LiveEvent
from ventanilla.inbound import pipeline
from ventanilla.providers.base import ParsedWebhook, StatusUpdate

pytestmark = pytest.mark.django_db(transaction=True)

AT = datetime(2026, 12, 4, 12, 0, 1, tzinfo=UTC)


@pytest.fixture
def reply(cloud_line, admin, fake_cloud_api):
    chat = customer_writes(cloud_line, user_id="AR.1")
    message = message_queue_outbound(
        conversation=chat, sender_type="agent", sender_user=admin, text="Hola Ana"
    )
    message.refresh_from_db()
    assert message.status == "sent"
    return message


def _webhook(line, *updates: StatusUpdate) -> dict:
    return pipeline.receive(line_for=lambda key: line, parsed=ParsedWebhook(statuses=list(updates)))


@pytest.mark.parametrize("current", DeliveryStatus.values)
def test_a_status_moves_exactly_where_the_rule_says(reply, cloud_line, current):
    history = [{"status": current, "at": "2026-12-04T12:00:00+00:00"}]
    for new in DeliveryStatus.values:
        Message.objects.filter(pk=reply.pk).update(status=current, status_history=history)
        moves = status_advanced(Message(status=current, status_history=list(history)), new)

        update = StatusUpdate(provider_message_id=reply.provider_id, status=new, timestamp=AT)
        _webhook(cloud_line, update)

        stored = Message.objects.get(pk=reply.pk)
        assert stored.status == (new if moves else current), (current, new)
        assert stored.status_history == history + (
            [{"status": new, "at": AT.isoformat()}] if moves else []
        ), (current, new)
    assert EarlyStatus.objects.count() == 0  # a known message's status is never kept as early


def test_the_event_and_the_failure_are_those_of_the_locked_path(reply, cloud_line, admin):
    events_before = LiveEvent.objects.filter(name="message:status").count()

    _webhook(
        cloud_line,
        StatusUpdate(
            provider_message_id=reply.provider_id,
            status="failed",
            timestamp=AT,
            error_code="131026",
            error_title="Message undeliverable " + "x" * 600,
        ),
    )

    stored = Message.objects.select_related("sender_user", "conversation").get(pk=reply.pk)
    assert (stored.status, stored.error_code) == ("failed", "131026")
    assert stored.error == ("Message undeliverable " + "x" * 600)[:500]
    assert stored.status_history[-1] == {
        "status": "failed",
        "at": AT.isoformat(),
        "error_code": "131026",
        "error": "Message undeliverable " + "x" * 600,
    }
    events = list(LiveEvent.objects.filter(name="message:status").order_by("pk"))
    assert len(events) == events_before + 1
    assert events[-1].data == message_item(stored)
    assert events[-1].data["sender"] == {"id": admin.pk, "name": "La Jefa"}
    assert events[-1].audience == audience_of(stored.conversation)


def test_several_statuses_of_one_message_in_one_body_are_applied_in_order(reply, cloud_line):
    def status(name, second):
        moment = AT.replace(second=second)
        return StatusUpdate(provider_message_id=reply.provider_id, status=name, timestamp=moment)

    counts = _webhook(
        cloud_line,
        status("sent", 1),  # what we recorded already
        status("delivered", 2),
        status("read", 3),
        status("delivered", 4),  # late: never back
        StatusUpdate(provider_message_id="wamid.NOT-YET", status="delivered", timestamp=AT),
    )

    stored = Message.objects.get(pk=reply.pk)
    assert counts["statuses"] == 5
    assert stored.status == "read"
    assert [step["status"] for step in stored.status_history] == [
        "queued",
        "sent",
        "delivered",
        "read",
    ]
    # one event for the message, as it ended
    last = LiveEvent.objects.filter(name="message:status").order_by("-pk").first()
    assert last.data["status"] == "read"
    assert list(EarlyStatus.objects.values_list("provider_id", flat=True)) == ["wamid.NOT-YET"]
