"""The outbox across faults: a worker killed mid-send, the database lost around a send, the job
queue down. Every reply reaches the customer once; none is given up as "outcome unknown" when the
provider can tell us what happened."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage, RedisStorage

from tests.connection_cut import cut_connection
from tests.databases import needs_postgresql
from tests.flows.samples import one_question_flow
from tests.inbound.cloud_posts import cloud_webhook, customer_writes, post_signed
from ventanilla.conversations import outbox, tasks
from ventanilla.conversations.models import EarlyStatus, Message
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.core import clock, jobs
from ventanilla.flows.services import flow_create
from ventanilla.inbound import pipeline
from ventanilla.providers.base import ParsedWebhook, StatusUpdate
from ventanilla.providers.registry import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chat(cloud_line, settings):
    settings.OUTBOX_CLAIM_SECONDS = 10
    settings.OUTBOX_UNKNOWN_OUTCOME_SECONDS = 60
    settings.OUTBOX_REQUEUE_SECONDS = 30
    return customer_writes(cloud_line)


@pytest.fixture
def queue_down(monkeypatch):
    """The job queue as scaled mode has it (Redis), but unreachable: nothing listens there; no
    sender threads either (a process that sends through the queue)."""
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(jobs, "senders", jobs.Senders())  # not started
    monkeypatch.setattr(HUEY, "storage", RedisStorage("ventanilla-tests", port=1))


@pytest.fixture
def queue(monkeypatch):
    """A job queue that keeps what is enqueued (no worker), to count the jobs; no sender
    threads (a process that sends through the queue)."""
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(jobs, "senders", jobs.Senders())  # not started
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("ventanilla-tests"))
    return HUEY


def _later(monkeypatch, seconds: float) -> None:
    moment = clock.now() + timedelta(seconds=seconds)
    monkeypatch.setattr(clock, "now", lambda: moment)


def _reply_left_queued(chat, queue) -> Message:
    message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")
    queue.flush()  # its job is lost, as when a worker dies holding it
    return message


def _killed_mid_send(message: Message, *, reached_whatsapp: bool) -> None:
    """What a worker killed during the send leaves: the row claimed, maybe sent, not recorded."""
    assert outbox._claim(message.pk)
    if reached_whatsapp:
        row = Message.objects.select_related("conversation__contact", "line").get(pk=message.pk)
        with client_for(row.line) as client:
            client.send(outbox._outbound(row))


def _status(cloud_line, provider_id: str, reference: str, status: str = "sent") -> None:
    update = StatusUpdate(provider_message_id=provider_id, status=status, reference=reference)
    pipeline.receive(line_for=lambda key: cloud_line, parsed=ParsedWebhook(statuses=[update]))


def test_a_send_lost_by_a_killed_worker_is_settled_by_its_status(
    chat, cloud_line, fake_cloud_api, queue, monkeypatch
):
    message = _reply_left_queued(chat, queue)
    _killed_mid_send(message, reached_whatsapp=True)
    (sent,) = fake_cloud_api.sent_messages()
    assert sent["biz_opaque_callback_data"] == f"ventanilla-message:{message.pk}"

    _status(cloud_line, "wamid.FAKE000001", sent["biz_opaque_callback_data"], "delivered")
    _later(monkeypatch, 10 + 60 + 1)  # past the claim and the wait for a status
    tasks.sweep_outbox.call_local()

    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("delivered", "wamid.FAKE000001")
    assert [step["status"] for step in message.status_history] == ["queued", "sent", "delivered"]
    assert len(fake_cloud_api.sent_messages()) == 1
    assert queue.pending_count() == 0  # nothing left to send


def test_a_send_lost_by_a_killed_worker_without_a_status_is_sent_again_once(
    chat, fake_cloud_api, queue, monkeypatch
):
    message = _reply_left_queued(chat, queue)
    _killed_mid_send(message, reached_whatsapp=False)

    _later(monkeypatch, 10 + 30)  # the claim lapsed; WhatsApp's status may still come
    tasks.sweep_outbox.call_local()
    message.refresh_from_db()
    assert message.status == "sending"
    _later(monkeypatch, 10 + 60 + 1)  # no status came: it was never sent
    tasks.sweep_outbox.call_local()
    tasks.sweep_outbox.call_local()
    assert queue.pending_count() == 1
    queue.execute(queue.dequeue())  # a worker runs the one job

    message.refresh_from_db()
    assert message.status == "sent"
    assert len(fake_cloud_api.sent_messages()) == 1


def test_a_claim_whose_send_never_started_is_released_and_sent(chat, fake_cloud_api, monkeypatch):
    prepare = outbox._outbound
    cuts = []

    def cut_before_sending(message):
        if not cuts:
            cuts.append(message.pk)
            cut_connection()
        return prepare(message)

    monkeypatch.setattr(outbox, "_outbound", cut_before_sending)

    message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")

    message.refresh_from_db()
    assert cuts == [message.pk]
    assert (message.status, message.attempts) == ("sent", 1)
    assert len(fake_cloud_api.sent_messages()) == 1


def test_a_send_whatsapp_accepted_is_recorded_once_the_database_is_back(
    chat, fake_cloud_api, monkeypatch
):
    record = outbox._sent_as_claimed
    cuts = []

    def cut_then_record(message, provider_id):
        if not cuts:
            cuts.append(provider_id)
            cut_connection()
        return record(message, provider_id)

    monkeypatch.setattr(outbox, "_sent_as_claimed", cut_then_record)

    message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")

    message.refresh_from_db()
    assert cuts == ["wamid.FAKE000001"]
    assert (message.status, message.provider_id) == ("sent", "wamid.FAKE000001")
    assert len(fake_cloud_api.sent_messages()) == 1


def test_a_stored_webhook_is_answered_200_while_the_job_queue_is_down(cloud_line, queue_down):
    flow_create(data=one_question_flow())

    answer = post_signed(
        cloud_webhook({"id": "wamid.Q1", "type": "text", "text": {"body": "hola"}})
    )

    assert answer.status_code == 200
    assert Message.objects.filter(direction="in", provider_id="wamid.Q1").count() == 1
    # the bot's answer waits in the outbox for the sweep to enqueue it when the queue is back
    assert list(Message.objects.filter(direction="out").values_list("status", flat=True)) == [
        "queued"
    ]


def test_the_sweep_enqueues_a_reply_once_per_lost_job(chat, queue, monkeypatch):
    message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")
    assert queue.pending_count() == 1  # the reply's own job

    for _ in range(3):  # ticks while that job still waits in the queue
        tasks.sweep_outbox.call_local()
    assert queue.pending_count() == 1

    queue.flush()  # the job is lost
    _later(monkeypatch, 31)
    for _ in range(3):
        tasks.sweep_outbox.call_local()
    assert queue.pending_count() == 1  # one new job, not one per tick


@needs_postgresql(
    "only PostgreSQL lets the status's locking read pass the send's uncommitted record "
    "(MariaDB waits for it; SQLite has one writer), which is the race this test stages"
)
def test_a_status_that_overtook_the_record_of_its_send_is_applied_by_the_sweep(
    chat, cloud_line, fake_cloud_api, monkeypatch
):
    publish = outbox.publish_message
    raced = []

    def status_arrives_meanwhile(name, message, **kwargs):
        # WhatsApp's "delivered" comes in on another connection while the send is being recorded:
        # it cannot see the provider id yet, and the record has already looked for early statuses
        update = StatusUpdate(provider_message_id=message.provider_id, status="delivered")
        webhook = threading.Thread(
            target=lambda: (
                pipeline.receive(
                    line_for=lambda key: cloud_line, parsed=ParsedWebhook(statuses=[update])
                ),
                raced.append(update),
                connection.close(),
            )
        )
        webhook.start()
        webhook.join(timeout=10)
        publish(name, message, **kwargs)

    monkeypatch.setattr(outbox, "publish_message", status_arrives_meanwhile)
    message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")
    monkeypatch.setattr(outbox, "publish_message", publish)
    message.refresh_from_db()
    assert raced and message.status == "sent"  # the race happened: the status is waiting

    tasks.sweep_outbox()

    message.refresh_from_db()
    assert message.status == "delivered"
    assert not EarlyStatus.objects.exists()
