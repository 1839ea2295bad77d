"""POST /webhooks/whatsapp/cloud: signed, stored once, statuses forward only, never a 500."""

import json
from pathlib import Path

import pytest
from django.test import Client

from tests.fakes.cloud_api import CLOUD_APP_SECRET, CLOUD_VERIFY_TOKEN, sign
from tests.inbound.cloud_posts import cloud_webhook, post_signed
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core.models import LiveEvent
from ventanilla.providers.cloud_api.parser import parse_webhook

FIXTURES = Path(__file__).parent.parent / "fixtures" / "whatsapp" / "cloud-api"
URL = "/webhooks/whatsapp/cloud"


def post(body: bytes, signature: str | None = "sign") -> object:
    headers = {}
    if signature == "sign":
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body, CLOUD_APP_SECRET)
    elif signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return Client().post(URL, data=body, content_type="application/json", **headers)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_verification_handshake(cloud_line):
    client = Client()
    ok = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": CLOUD_VERIFY_TOKEN, "hub.challenge": "42"},
    )
    wrong = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"}
    )

    assert (ok.status_code, ok.content, ok["Content-Type"]) == (200, b"42", "text/plain")
    assert wrong.status_code == 403


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_fixture_is_stored_and_answered_200(name, cloud_line):
    body = fixture_bytes(name)
    parsed = parse_webhook(json.loads(body))
    ours = [m for m in parsed.messages if m.line_key == cloud_line.cloud_phone_number_id]

    response = post(body)

    assert response.status_code == 200, response.content
    assert Message.objects.filter(direction="in").count() == len(
        {m.provider_message_id for m in ours}
    )
    for inbound in ours:
        stored = Message.objects.get(provider_id=inbound.provider_message_id)
        assert (stored.type, stored.text) == (inbound.type, inbound.text)
        assert stored.line_id == cloud_line.pk


def test_text_message_creates_contact_with_phone_and_user_id(cloud_line):
    response = post(fixture_bytes("text.json"))

    assert response.json()["messages"] == 1
    contact = Contact.objects.get()
    assert (contact.name, contact.phone, contact.wa_user_id) == (
        "Sheena Nelson",
        "+16505551234",
        "US.13491208655302741918",
    )
    conversation = Conversation.objects.get()
    assert conversation.last_inbound_at is not None
    assert conversation.last_message.text == "Where is my order #1234?"


def test_user_id_without_phone_still_reaches_a_contact(cloud_line):
    assert post(fixture_bytes("user_id_without_phone.json")).status_code == 200

    contact = Contact.objects.get()
    assert contact.phone is None
    assert contact.wa_user_id


@pytest.mark.parametrize("signature", [None, "", "sha256=00", "sha1=abc", "garbage"])
def test_bad_or_missing_signature_is_403_and_stores_nothing(signature, cloud_line):
    response = post(fixture_bytes("text.json"), signature=signature)

    assert response.status_code == 403
    assert Message.objects.count() == 0
    assert Contact.objects.count() == 0


def test_signature_over_other_bytes_is_refused(cloud_line):
    body = fixture_bytes("text.json")
    tampered = body.replace(b"order", b"ORDER")

    response = post(tampered, signature=sign(body, CLOUD_APP_SECRET))

    assert response.status_code == 403
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "body", [b"", b"{", b"[]", b"null", b'{"entry": "x"}', b'{"entry": [{"changes": [1, null]}]}']
)
def test_signed_malformed_bodies_never_get_a_500(body, cloud_line):
    response = post(body)

    assert response.status_code in (200, 400)
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_same_webhook_twice_stores_one_message_and_reacts_once(cloud_line):
    body = fixture_bytes("text.json")

    first, second = post(body), post(body)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicates"] == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1
    assert list(LiveEvent.objects.values_list("name", flat=True)) == [
        "conversation:incoming",
        "message:new",
    ]


def test_webhook_for_an_unknown_line_is_acknowledged_and_ignored(cloud_line):
    body = fixture_bytes("text.json").replace(b"106540352242922", b"999999999")

    response = post(body)

    assert response.status_code == 200
    assert response.json()["ignored"] == 1
    assert Message.objects.count() == 0


def test_store_failure_answers_5xx_so_meta_retries(cloud_line, monkeypatch):
    from ventanilla.conversations.intake import InboundBatch

    def broken(batch, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(InboundBatch, "add", broken)

    response = post(fixture_bytes("text.json"))

    assert response.status_code == 503
    assert Message.objects.count() == 0
    assert Contact.objects.count() == 0


def test_finding_13_a_60000_character_text_is_stored_whole(cloud_line):
    # given a customer's text of 60,000 characters (WhatsApp allows up to 65,536)
    text = ("¿Dónde está mi pedido? " * 3000)[:60_000]
    webhook = cloud_webhook({"id": "wamid.long", "type": "text", "text": {"body": text}})
    # when Meta posts it
    response = post_signed(webhook)
    # then it is stored whole
    assert response.status_code == 200
    stored = Message.objects.get(provider_id="wamid.long")
    assert len(stored.text) == 60_000
    assert stored.text == text
