"""Replies sent by the sender threads of the process that queued them (ADR 0034): real threads,
a real fake Graph on 127.0.0.1; the outbox row is the record, the sweep the fallback."""

import time
from datetime import timedelta

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from tests.databases import needs_concurrent_writers
from tests.flows.samples import one_question_flow
from tests.inbound.cloud_posts import cloud_webhook, customer_writes, post_signed
from tests.threads import run_at_once
from ventanilla.conversations import tasks
from ventanilla.conversations.models import Conversation, Message
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.core import clock, jobs
from ventanilla.flows.services import flow_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def senders(monkeypatch):
    """This process's sender threads, started as `ventanilla serve` and `web` start them."""
    started = jobs.Senders()
    started.start(threads=4, limit=100)
    monkeypatch.setattr(jobs, "senders", started)
    yield started
    started.stop()


@pytest.fixture
def chat(cloud_line, settings):
    settings.OUTBOX_REQUEUE_SECONDS = 30
    conversation = customer_writes(cloud_line)
    return Conversation.objects.select_related("contact", "line").get(pk=conversation.pk)


def _until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _later(monkeypatch, seconds: float) -> None:
    moment = clock.now() + timedelta(seconds=seconds)
    monkeypatch.setattr(clock, "now", lambda: moment)


@needs_concurrent_writers(
    "SQLite's in-memory test database is one shared cache whose table locks make the request "
    "wait for the sender thread; a desk on SQLite uses a file (tests/faults, bench/roundtrip.py)"
)
def test_the_webhook_is_answered_before_the_graph_answers_the_reply(
    cloud_line, fake_cloud_api, senders, monkeypatch
):
    # jobs (the read receipt) wait in a queue, as they do for a worker, instead of running here
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("ventanilla-tests"))
    flow_create(data=one_question_flow())
    fake_cloud_api.slow_next(1.5, path=r"^POST .*/messages$")

    began = time.monotonic()
    answer = post_signed(
        cloud_webhook({"id": "wamid.Q1", "type": "text", "text": {"body": "hola"}})
    )
    answered_in = time.monotonic() - began

    assert answer.status_code == 200
    assert answered_in < 1.0  # committed and answered; the send is still waiting on the Graph
    reply = Message.objects.get(direction="out")
    _until(lambda: Message.objects.get(pk=reply.pk).status == "sent")
    assert len(fake_cloud_api.sent_messages()) == 1


@needs_concurrent_writers(
    "SQLite's in-memory test database is one shared cache: a sender thread's write meets "
    "'database table is locked' instead of waiting as on a file; runs on PostgreSQL and MariaDB"
)
def test_replies_of_one_conversation_leave_in_the_order_they_were_queued(
    chat, fake_cloud_api, senders
):
    fake_cloud_api.slow_next(0.3, path=r"^POST .*/messages$")  # the first is the slow one

    for text in ("uno", "dos", "tres"):
        message_queue_outbound(conversation=chat, sender_type="bot", text=text)

    _until(lambda: len(fake_cloud_api.sent_messages()) == 3 and senders.idle())
    assert [sent["text"]["body"] for sent in fake_cloud_api.sent_messages()] == [
        "uno",
        "dos",
        "tres",
    ]


@needs_concurrent_writers()
def test_a_reply_is_sent_once_while_sweeps_race_its_sender(chat, fake_cloud_api, senders, settings):
    settings.OUTBOX_REQUEUE_SECONDS = 0  # every sweep takes the queued reply for a lost one
    fake_cloud_api.slow_next(0.3, path=r"^POST .*/messages$")

    message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")
    _, errors = run_at_once(4, lambda index: tasks.sweep_outbox())  # each sends what it claims
    _until(senders.idle)

    assert errors == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert len(fake_cloud_api.sent_messages()) == 1


def test_a_reply_whose_process_died_before_sending_is_sent_once_by_the_sweep(
    chat, fake_cloud_api, monkeypatch
):
    # the process dies right after the commit: what it had handed over to its senders is gone
    monkeypatch.setattr(jobs.senders, "submit", lambda key, work: True)
    message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")
    tasks.sweep_outbox()  # too early: its sender may still be at it
    assert Message.objects.get(pk=message.pk).status == "queued"
    assert fake_cloud_api.sent_messages() == []

    _later(monkeypatch, 31)  # OUTBOX_REQUEUE_SECONDS later
    for _ in range(3):
        tasks.sweep_outbox()

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert len(fake_cloud_api.sent_messages()) == 1


def test_past_the_backlog_replies_go_through_the_job_queue(chat, fake_cloud_api, monkeypatch):
    full = jobs.Senders()
    full.start(threads=1, limit=0)  # no room: every reply is turned away
    monkeypatch.setattr(jobs, "senders", full)
    try:
        message = message_queue_outbound(conversation=chat, sender_type="bot", text="Hola Ana")
    finally:
        full.stop()

    message.refresh_from_db()  # sent by its job (run at once here)
    assert message.status == "sent"
    assert len(fake_cloud_api.sent_messages()) == 1
