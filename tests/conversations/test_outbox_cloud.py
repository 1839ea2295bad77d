"""Replies leave through the Cloud API exactly once, with retries that respect the provider."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.databases import needs_concurrent_writers
from tests.inbound.cloud_posts import customer_writes
from tests.threads import run_at_once
from ventanilla.conversations import outbox, tasks
from ventanilla.conversations.models import Conversation, EarlyStatus, Message
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.core import clock
from ventanilla.core.models import LiveEvent
from ventanilla.inbound import pipeline
from ventanilla.providers.base import InboundMessage, ParsedWebhook, StatusUpdate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sweep_stands_in_for_scheduled_retries(settings):
    # Huey's immediate mode keeps a scheduled retry to itself: here the sweep sends what is due
    # at once, as it does for a reply whose job was lost
    settings.OUTBOX_REQUEUE_SECONDS = 0


@pytest.fixture
def chat(cloud_line, admin):
    return customer_writes(cloud_line, user_id="AR.1")


def _reply(conversation, admin, text="Hola Ana"):
    return message_queue_outbound(
        conversation=conversation, sender_type="agent", sender_user=admin, text=text
    )


def test_reply_is_sent_once_with_the_phone_as_recipient(chat, admin, fake_cloud_api):
    message = _reply(chat, admin)

    message.refresh_from_db()
    sent = fake_cloud_api.sent_messages()
    assert len(sent) == 1
    assert sent[0]["to"] == "5493515551111"
    assert sent[0]["text"]["body"] == "Hola Ana"
    assert message.status == "sent"
    assert message.provider_id == "wamid.FAKE000001"


def test_two_500s_then_success_is_one_accepted_send(chat, admin, fake_cloud_api, monkeypatch):
    monkeypatch.setattr(outbox, "RETRY_BASE_SECONDS", 0)
    fake_cloud_api.fail_next(status=500, times=2, path=r"^POST .*/messages$")

    # the job retries itself after each 500 (no delay here; Huey runs jobs inline in tests)
    message = _reply(chat, admin)
    tasks.sweep_outbox()  # nothing left to do

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 3)
    assert len(fake_cloud_api.sent_messages()) == 1
    assert [step["status"] for step in message.status_history] == ["queued", "sent"]


def test_429_waits_as_long_as_asked(chat, admin, fake_cloud_api, monkeypatch):
    fake_cloud_api.fail_next(status=429, headers={"Retry-After": "30"}, path=r"^POST .*/messages$")

    message = _reply(chat, admin)
    message.refresh_from_db()
    wait = (message.next_attempt_at - clock.now()).total_seconds()
    tasks.sweep_outbox()  # too early: nothing is sent
    assert len(fake_cloud_api.sent_messages()) == 0
    later = clock.now() + timedelta(seconds=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    tasks.sweep_outbox()

    message.refresh_from_db()
    assert 28 <= wait <= 30
    assert message.status == "sent"
    assert len(fake_cloud_api.sent_messages()) == 1


def test_window_closed_error_fails_without_retry(chat, admin, fake_cloud_api):
    fake_cloud_api.fail_next(status=400, error_code=131047, path=r"^POST .*/messages$")

    message = _reply(chat, admin)
    tasks.sweep_outbox()

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == "131047"
    assert "24-hour window" in message.error
    assert message.attempts == 1


def test_gives_up_after_the_last_attempt(chat, admin, fake_cloud_api, monkeypatch):
    monkeypatch.setattr(outbox, "RETRY_BASE_SECONDS", 0)
    fake_cloud_api.fail_next(status=503, times=outbox.MAX_ATTEMPTS, path=r"^POST .*/messages$")

    message = _reply(chat, admin)
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        tasks.sweep_outbox()

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert fake_cloud_api.sent_messages() == []


def test_statuses_out_of_order_end_at_read(chat, admin, cloud_line):
    message = _reply(chat, admin)
    message.refresh_from_db()

    def status(name):
        update = StatusUpdate(provider_message_id=message.provider_id, status=name)
        pipeline.receive(line_for=lambda key: cloud_line, parsed=ParsedWebhook(statuses=[update]))

    status("read")
    status("delivered")
    status("sent")

    message.refresh_from_db()
    assert message.status == "read"
    assert [step["status"] for step in message.status_history] == ["queued", "sent", "read"]


def test_status_before_the_send_recorded_its_id_is_applied_later(chat, admin, cloud_line):
    update = StatusUpdate(provider_message_id="wamid.FAKE000001", status="delivered")
    pipeline.receive(line_for=lambda key: cloud_line, parsed=ParsedWebhook(statuses=[update]))

    message = _reply(chat, admin)

    message.refresh_from_db()
    assert message.provider_id == "wamid.FAKE000001"
    assert message.status == "delivered"


def test_outside_the_24_hour_window_free_text_is_refused_with_409(api, chat, admin, fake_cloud_api):
    Conversation.objects.filter(pk=chat.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=24, minutes=1)
    )
    before = Message.objects.count()

    response = api(admin).post(f"/api/conversations/{chat.pk}/messages", {"text": "hola"})

    assert response.status_code == 409
    assert "24 horas" in response.json()["detail"]
    assert Message.objects.count() == before
    assert fake_cloud_api.sent_messages() == []


def test_inbound_media_is_fetched_with_the_token_and_served_to_who_may_see_it(
    cloud_line, admin, api, make_user, fake_cloud_api
):
    from ventanilla.accounts.models import Role
    from ventanilla.providers.base import MediaRef

    fake_cloud_api.add_media("MEDIA-1", b"\x89PNG fake image", "image/png")
    inbound = InboundMessage(
        provider_message_id="wamid.IMG",
        from_phone="5493515551111",
        from_user_id="",
        profile_name="Ana",
        type="image",
        text="mirá",
        media=MediaRef(provider_media_id="MEDIA-1", mime_type="image/png"),
        line_key=cloud_line.cloud_phone_number_id,
    )

    pipeline.receive(line_for=lambda key: cloud_line, parsed=ParsedWebhook(messages=[inbound]))

    message = Message.objects.get(provider_id="wamid.IMG")
    assert message.media_size == len(b"\x89PNG fake image")
    own = api(admin).get(f"/api/messages/{message.pk}/media")
    stranger = api(make_user(Role.SALES)).get(f"/api/messages/{message.pk}/media")
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == b"\x89PNG fake image"
    assert own["Content-Type"] == "image/png"
    assert own["X-Content-Type-Options"] == "nosniff"
    assert stranger.status_code == 404
    media_calls = [r for r in fake_cloud_api.requests if r.method == "GET"]
    assert media_calls and all(
        r.headers["authorization"] == "Bearer fake-cloud-api-token" for r in media_calls
    )


@needs_concurrent_writers()
def test_two_workers_never_send_the_same_row(chat, admin, fake_cloud_api):
    fake_cloud_api.slow_next(0.3, path=r"^POST .*/messages$")
    from unittest import mock

    with mock.patch.object(tasks.send_message, "call_local"):
        message = _reply(chat, admin)  # queued; the on-commit job is held back
    _, errors = run_at_once(4, lambda index: outbox.deliver(message.pk))

    assert errors == []
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.attempts == 1
    assert len(fake_cloud_api.sent_messages()) == 1


def test_files_of_an_earlier_conversation_open_only_for_who_sees_that_conversation(
    api, make_area, make_user, make_conversation
):
    from django.core.files.base import ContentFile

    from ventanilla.accounts.models import Role

    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    earlier = make_conversation("closed", assigned_to=make_user(Role.SALES), phone="+5493515557777")
    photo = Message.objects.filter(conversation=earlier).first()
    photo.media_file.save("old.png", ContentFile(b"png"), save=False)
    photo.media_mime_type = "image/png"
    photo.save()
    client = api(agent)
    assert client.get(f"/api/messages/{photo.pk}/media").status_code == 404

    make_conversation("active", area=soporte, assigned_to=agent, phone="+5493515557777")

    # seeing the contact's current conversation is no reason to see the earlier one (finding 2)
    assert client.get(f"/api/messages/{photo.pk}/media").status_code == 404
    assert api(make_user(Role.ADMIN)).get(f"/api/messages/{photo.pk}/media").status_code == 200


def _statuses(cloud_line, *updates: tuple[str, str]) -> list[str]:
    """Status webhooks stored as one batch; returns the statements it cost."""
    webhooks = [
        (
            lambda key: cloud_line,
            ParsedWebhook(statuses=[StatusUpdate(provider_message_id=pid, status=status)]),
        )
        for pid, status in updates
    ]
    with CaptureQueriesContext(connection) as captured:
        results = pipeline.receive_many(webhooks)
    assert all(result["statuses"] == 1 for result in results), results
    # Django logs one executemany as "<rows> times: <statement>"
    sqls = [re.sub(r"^\d+ times: ", "", query["sql"]) for query in captured.captured_queries]
    return [sql.split()[0].upper() for sql in sqls]


def test_a_batch_of_statuses_costs_the_statements_of_one(chat, admin, cloud_line):
    replies = [_reply(chat, admin, text=f"r{n}") for n in range(4)]
    for reply in replies:
        reply.refresh_from_db()
    ids = [reply.provider_id for reply in replies]
    events_before = LiveEvent.objects.filter(name="message:status").count()

    # read overtakes delivered for the first; the last one fails; an unknown id waits
    statements = _statuses(
        cloud_line,
        (ids[0], "read"),
        (ids[0], "delivered"),
        (ids[1], "delivered"),
        (ids[2], "delivered"),
        (ids[2], "read"),
        (ids[3], "failed"),
        ("wamid.NOT-YET", "delivered"),
    )

    work = [verb for verb in statements if verb not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}]
    assert work == {
        # a statement per round (at most one status of each message in a round): it moves the
        # statuses forward, returns the rows, and which messages exist (ADR 0036)
        "postgresql": ["WITH", "WITH"],
        # the same, then which of the messages that moved nothing exist (SQLite's UPDATE cannot
        # be a CTE's, so it returns only what moved)
        "sqlite": ["WITH", "WITH", "SELECT"],
        # the messages, locked; their statuses (one statement, run per row); their audiences
        "mysql": ["SELECT", "UPDATE", "SELECT"],
    }[connection.vendor] + [
        "INSERT",  # one live event per message changed
        "INSERT",  # the status of a message not known yet, kept for its send
    ]
    assert [Message.objects.get(pk=reply.pk).status for reply in replies] == [
        "read",
        "delivered",
        "read",
        "failed",
    ]
    assert LiveEvent.objects.filter(name="message:status").count() == events_before + 4
    assert EarlyStatus.objects.filter(provider_id="wamid.NOT-YET").count() == 1


def _verbs(captured) -> list[str]:
    verbs = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    return [verb for verb in verbs if verb not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")]


def _bot_reply_held_back(chat, monkeypatch) -> Message:
    """A reply of the bot queued, its hand-over to a sender held back (to be run here); what
    the hand-over gets: the row as written."""
    held = []
    # as the webhook's batch has it when the bot answers: with its contact and line
    chat = Conversation.objects.select_related("contact", "line").get(pk=chat.pk)
    monkeypatch.setattr(
        "ventanilla.conversations.publishing.hand_over_after_commit",
        lambda key, work, **_: held.append(work),
    )
    message = message_queue_outbound(conversation=chat, sender_type="bot", text="¡Hola!")
    assert len(held) == 1
    return message


def _sent_once(message, fake_cloud_api) -> None:
    message.refresh_from_db()
    assert (message.status, [step["status"] for step in message.status_history]) == (
        "sent",
        ["queued", "sent"],
    )
    assert len(fake_cloud_api.sent_messages()) == 1


def test_a_bot_reply_is_sent_from_its_process_for_four_statements(
    chat, fake_cloud_api, monkeypatch
):
    message = _bot_reply_held_back(chat, monkeypatch)

    with CaptureQueriesContext(connection) as captured:
        assert outbox.deliver_loaded(message) is None

    # claim; then record it sent unless an early status waits for it (one conditional UPDATE),
    # its conversation's audience and its event; the row is not read again (ADR 0034)
    assert _verbs(captured) == ["UPDATE", "UPDATE", "SELECT", "INSERT"]
    _sent_once(message, fake_cloud_api)


def test_a_reply_sent_by_its_job_costs_one_read_more(chat, fake_cloud_api, monkeypatch):
    message = _bot_reply_held_back(chat, monkeypatch)

    with CaptureQueriesContext(connection) as captured:
        assert outbox.deliver(message.pk) is None

    # claim; read it to send (the sweep's job has only its id); record; audience; event
    assert _verbs(captured) == ["UPDATE", "SELECT", "UPDATE", "SELECT", "INSERT"]
    _sent_once(message, fake_cloud_api)


def test_a_status_webhook_costs_two_statements_and_a_repeat_one(chat, admin, cloud_line):
    reply = _reply(chat, admin)
    reply.refresh_from_db()

    first = _statuses(cloud_line, (reply.provider_id, "delivered"))
    again = _statuses(cloud_line, (reply.provider_id, "delivered"))  # Meta posts it again
    back = _statuses(cloud_line, (reply.provider_id, "sent"))  # and a late one that goes back

    work = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
    first, again, back = (
        [verb for verb in verbs if verb not in work] for verbs in (first, again, back)
    )
    if connection.vendor == "mysql":  # no UPDATE … RETURNING: read locked, save, audience, event
        assert first == ["SELECT", "UPDATE", "SELECT", "INSERT"]
        assert again == back == ["SELECT"]  # nothing moved
    else:  # moved, its history appended and its event's data returned by one statement; event
        assert first == ["WITH", "INSERT"]
        # PostgreSQL's statement also says the message exists; SQLite asks
        assert (
            again == back == (["WITH"] if connection.vendor == "postgresql" else ["WITH", "SELECT"])
        )
    reply = Message.objects.get(pk=reply.pk)
    assert reply.status == "delivered"
    assert [step["status"] for step in reply.status_history] == ["queued", "sent", "delivered"]
