"""Deliveries reach a real receiver on 127.0.0.1: signed as docs/integrations.md says, retried
after a failure, in order per conversation, only for the events a subscription asked for."""

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from tests.integrations.conftest import SECRET
from ventanilla.contacts import services as contacts
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation
from ventanilla.conversations.serializers import conversation_item
from ventanilla.core import clock
from ventanilla.inbound import sandbox
from ventanilla.integrations import services, tasks
from ventanilla.integrations.models import Delivery, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def _docs_verify():
    """The `verify` function of docs/integrations.md, as a reader would copy it."""
    text = DOCS.read_text()
    section = text[text.index("## Outgoing webhooks") :]
    block = next(b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "def verify" in b)
    namespace: dict = {}
    exec(block, namespace)  # our own documentation
    return namespace["verify"]


def _customer_writes(text="hola", phone="+5493515550001", number=[0]):  # noqa: B006
    number[0] += 1
    message = sandbox.customer_writes(
        phone=phone, name="Ana", text=text, message_id=f"w{number[0]}"
    )
    return Conversation.objects.get(pk=message.conversation_id)


def _later(monkeypatch, seconds: float) -> None:
    """The clock `seconds` after the real now."""
    moved = timezone.now() + timedelta(seconds=seconds)
    monkeypatch.setattr(clock, "now", lambda: moved)


def test_a_delivery_is_signed_as_the_docs_verify_it(subscribe, receiver, admin, sandbox_line):
    subscribe([WebhookEvent.CONVERSATION_CLOSED])
    conversation = _customer_writes()

    conversations.conversation_close(conversation=conversation, by=admin, message="")

    [request] = receiver.deliveries()
    headers = httpx.Headers(request.headers)
    verify = _docs_verify()
    assert verify(SECRET, headers, request.raw)
    assert not verify("another-secret-of-16+", headers, request.raw)
    assert not verify(SECRET, headers, request.raw.replace(b"closed", b"opened"))
    body = request.json
    assert headers["X-Ventanilla-Event"] == body["event"] == "conversation.closed"
    assert headers["X-Ventanilla-Delivery"] == str(body["id"])
    conversation.refresh_from_db()
    assert body["data"] == conversation_item(conversation)  # the API's shape
    assert body["data"]["status"] == "closed"


def test_a_stale_timestamp_fails_the_docs_check(subscribe, receiver, admin, sandbox_line):
    subscribe([WebhookEvent.CONVERSATION_CREATED])
    _customer_writes()
    [request] = receiver.deliveries()
    headers = dict(request.headers)
    old = str(int(headers["x-ventanilla-timestamp"]) - 600)
    headers["x-ventanilla-timestamp"] = old

    assert not _docs_verify()(SECRET, httpx.Headers(headers), request.raw)


def test_a_500_is_retried_with_backoff_then_delivered(
    subscribe, receiver, sandbox_line, monkeypatch
):
    subscribe([WebhookEvent.CONVERSATION_CREATED])
    receiver.fail_next(500, body=b"try later")

    _customer_writes()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert (delivery.last_status_code, delivery.last_answer) == (500, "try later")
    wait = (delivery.next_attempt_at - clock.now()).total_seconds()
    assert 25 < wait <= 30
    tasks.sweep_webhooks()  # not due yet
    assert len(receiver.deliveries()) == 1

    # Huey's immediate mode keeps the scheduled retry to itself: the sweep finds it when due
    _later(monkeypatch, wait + tasks.SWEEP_GRACE_SECONDS + 1)
    tasks.sweep_webhooks()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    first, second = receiver.deliveries()
    assert first.raw == second.raw  # the same delivery, signed anew
    assert first.headers["x-ventanilla-delivery"] == second.headers["x-ventanilla-delivery"]


def test_a_later_event_of_a_conversation_waits_for_the_earlier_one(
    subscribe, receiver, admin, sandbox_line, monkeypatch
):
    subscribe([WebhookEvent.MESSAGE_RECEIVED])
    receiver.fail_next(503)
    conversation = _customer_writes("uno")
    _customer_writes("dos")
    _customer_writes("tres")
    other = _customer_writes("otro cliente", phone="+5493515550002")

    # the first of Ana's failed; hers wait behind it, another customer's do not
    assert [r.json["data"]["text"] for r in receiver.deliveries()] == ["uno", "otro cliente"]
    waiting = Delivery.objects.filter(sequence_key=f"conversation:{conversation.pk}")
    assert sorted(waiting.values_list("status", flat=True)) == ["pending"] * 3
    assert other.pk != conversation.pk

    _later(monkeypatch, 30 + tasks.SWEEP_GRACE_SECONDS + 1)
    tasks.sweep_webhooks()

    texts = [r.json["data"]["text"] for r in receiver.deliveries()]
    assert texts == ["uno", "otro cliente", "uno", "dos", "tres"]
    assert set(waiting.values_list("status", flat=True)) == {"delivered"}


def test_after_a_day_of_failures_it_gives_up_and_the_next_one_goes(
    subscribe, receiver, sandbox_line, monkeypatch
):
    subscribe([WebhookEvent.MESSAGE_RECEIVED])
    receiver.fail_next(500, times=1000)
    _customer_writes("uno")
    _later(monkeypatch, 20 * 3600)
    _customer_writes("dos")  # waits behind "uno"; its own day of retries ends at hour 44
    first, second = Delivery.objects.order_by("pk")

    for hours in range(21, 26):  # the sweep, now and then
        _later(monkeypatch, hours * 3600)
        tasks.sweep_webhooks()
    first.refresh_from_db()
    assert first.status == "failed"
    assert first.attempts > 2
    second.refresh_from_db()
    assert second.status == "pending"  # tried since "uno" was given up, and failed
    assert second.attempts >= 1
    receiver.reset()  # the receiver is back

    _later(monkeypatch, 27 * 3600)
    tasks.sweep_webhooks()

    second.refresh_from_db()
    assert second.status == "delivered"
    assert [r.json["data"]["text"] for r in receiver.deliveries()] == ["dos"]


def test_no_delivery_for_an_event_the_subscription_did_not_ask_for(
    subscribe, receiver, admin, sandbox_line
):
    subscribe([WebhookEvent.CONVERSATION_CLOSED])

    conversation = _customer_writes()
    conversations.conversation_assign(conversation=conversation, user=admin, by=admin)

    assert Delivery.objects.count() == 0
    assert receiver.deliveries() == []
    conversations.conversation_close(conversation=conversation, by=admin, message="")
    assert receiver.events() == ["conversation.closed"]


def test_an_inactive_subscription_records_nothing(subscribe, receiver, sandbox_line):
    subscription = subscribe()
    services.subscription_update(subscription=subscription, is_active=False)

    _customer_writes()

    assert Delivery.objects.count() == 0


def test_a_change_that_rolls_back_leaves_no_delivery(subscribe, receiver, admin, sandbox_line):
    subscribe([WebhookEvent.CONVERSATION_CLOSED, WebhookEvent.CONTACT_UPDATED])
    conversation = _customer_writes()

    with pytest.raises(RuntimeError), transaction.atomic():
        conversations.conversation_close(conversation=conversation, by=admin, message="")
        contacts.contact_update(contact=conversation.contact, name="Ana María")
        assert Delivery.objects.count() == 2  # stored with the change...
        raise RuntimeError("the caller fails after the change")

    assert Delivery.objects.count() == 0  # ...and gone with it
    assert receiver.deliveries() == []


def test_a_conversations_life_in_order(subscribe, receiver, admin, make_user, soporte):
    from ventanilla.accounts.models import Role
    from ventanilla.providers.models import Line

    Line.objects.create(provider="sandbox", is_default=True, display_name="Sandbox")
    colleague = make_user(Role.OPERATOR, areas=[soporte])
    subscribe()

    conversation = _customer_writes()
    conversations.agent_reply(conversation=conversation, by=admin, text="¿En qué te ayudo?")
    conversations.conversation_transfer(conversation=conversation, by=admin, user=colleague)
    conversations.conversation_close(conversation=conversation, by=colleague, message="Chau")

    assert receiver.events() == [
        "contact.created",
        "conversation.created",
        "message.received",
        "conversation.assigned",  # the reply took it
        "message.sent",
        "conversation.assigned",
        "conversation.transferred",
        "conversation.closed",
        "message.sent",  # the closing text, queued by the close, sent after it
    ]
    data = [r.json["data"] for r in receiver.deliveries()]
    assert data[5]["assigned_to"]["id"] == data[6]["assigned_to"]["id"] == colleague.pk
    assert data[8]["text"] == "Chau"


def test_resend_sends_a_delivered_one_again(subscribe, receiver, sandbox_line):
    subscribe([WebhookEvent.CONVERSATION_CREATED])
    _customer_writes()
    delivery = Delivery.objects.get()

    services.delivery_resend(delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [r.json["id"] for r in receiver.deliveries()] == [delivery.pk, delivery.pk]


def test_ping_answers_with_what_the_receiver_said(subscribe, receiver):
    subscription = subscribe([WebhookEvent.CONTACT_CREATED])

    ok = services.subscription_ping(subscription=subscription)
    receiver.fail_next(418, body=b"teapot")
    refused = services.subscription_ping(subscription=subscription)

    assert (ok.status, ok.last_status_code, ok.event) == ("delivered", 200, "ping")
    assert (refused.status, refused.last_status_code, refused.last_answer) == (
        "failed",
        418,
        "teapot",
    )
    assert receiver.events() == ["ping", "ping"]
    assert _docs_verify()(
        SECRET, httpx.Headers(receiver.deliveries()[0].headers), receiver.deliveries()[0].raw
    )


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(subscribe, receiver, settings):
    from ventanilla.integrations import delivery

    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    delivery.close_client()  # the timeout is the client's
    receiver.slow_next(1.0)
    try:
        ping = services.subscription_ping(subscription=subscribe())
    finally:
        delivery.close_client()

    assert (ping.status, ping.last_status_code) == ("failed", None)
    assert "Timeout" in ping.last_answer


def test_a_new_customer_is_a_created_contact(subscribe, receiver, sandbox_line):
    subscribe([WebhookEvent.CONTACT_CREATED, WebhookEvent.CONTACT_UPDATED])
    conversation = _customer_writes()
    contacts.contact_update(contact=conversation.contact, dni="30111222")

    created, updated = receiver.deliveries()
    assert (created.json["event"], updated.json["event"]) == ("contact.created", "contact.updated")
    assert updated.json["data"]["dni"] == "30111222"
    assert set(updated.json["data"]) == {
        "id", "name", "phone", "phone_verified", "wa_user_id", "dni", "area", "created_at",
        "updated_at",
    }  # fmt: skip
