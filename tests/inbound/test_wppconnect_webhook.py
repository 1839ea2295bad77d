"""POST /webhooks/whatsapp/wppconnect/<token>: authenticated by its token, stored once, the bot
answers through send-message, acks move statuses forward, groups and broadcasts go nowhere."""

import base64
import json
from pathlib import Path

import pytest
from django.test import Client

from tests.fakes.wppconnect import WEBHOOK_TOKEN, ack_event, message_event
from tests.flows.samples import areas_menu_flow
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core.models import LiveEvent
from ventanilla.flows.services import flow_create
from ventanilla.inbound.wppconnect import ignored_counts
from ventanilla.providers.models import Line

FIXTURES = Path(__file__).parent.parent / "fixtures" / "whatsapp" / "wppconnect"
URL = f"/webhooks/whatsapp/wppconnect/{WEBHOOK_TOKEN}"
MENU = "¿Con quién querés hablar?\n\n1. Soporte\n2. Ventas"


def post(body, token: str = WEBHOOK_TOKEN):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().post(
        f"/webhooks/whatsapp/wppconnect/{token}", data=raw, content_type="application/json"
    )


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def menu_flow(make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    return flow_create(data=areas_menu_flow(soporte.pk, ventas.pk))


@pytest.mark.parametrize(
    "token", ["nope", WEBHOOK_TOKEN + "x", WEBHOOK_TOKEN.upper(), WEBHOOK_TOKEN[:-1]]
)
def test_wrong_token_is_403_and_stores_nothing(token, wppconnect_line):
    # given a WPPConnect line; when its webhook is called with another token
    response = post(fixture("onmessage_text.json"), token=token)

    # then it is refused and nothing is stored or changed
    assert response.status_code == 403
    assert (Message.objects.count(), Contact.objects.count(), LiveEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_token_of_a_line_of_another_provider_is_refused(wppconnect_line):
    Line.objects.create(provider="sandbox", wpp_webhook_token="sandbox-token")

    assert post(fixture("onmessage_text.json"), token="sandbox-token").status_code == 403
    assert Message.objects.count() == 0


def test_status_event_with_a_wrong_token_changes_no_line(wppconnect_line):
    response = post(fixture("status_find_inChat.json"), token="nope")

    assert response.status_code == 403
    wppconnect_line.refresh_from_db()
    assert wppconnect_line.state == "disconnected"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_fixture_is_answered_200(name, wppconnect_line):
    response = post(fixture(name))

    assert response.status_code == 200, response.content
    expected_messages = 1 if name.startswith("onmessage") else 0
    assert Message.objects.filter(direction="in").count() == expected_messages


def test_text_message_is_stored_for_the_line(wppconnect_line):
    response = post(fixture("onmessage_text.json"))

    assert response.json() == {
        "status": "stored",
        "messages": 1,
        "duplicates": 0,
        "statuses": 0,
        "ignored": 0,
    }
    message = Message.objects.get()
    assert (message.line_id, message.type, message.text, message.provider_id) == (
        wppconnect_line.pk,
        "text",
        "Hola, ¿dónde está mi pedido?",
        "false_5491122334455@c.us_3EB0C767D097B7C7F0B1",
    )
    contact = Contact.objects.get()
    assert (contact.name, contact.phone, contact.wa_user_id) == ("Sheena", "+5491122334455", None)


@pytest.mark.django_db(transaction=True)
def test_duplicated_onmessage_stores_one_message_and_answers_once(
    wppconnect_line, fake_wppconnect, make_area
):
    # given a connected session and a default menu flow
    fake_wppconnect.connect()
    menu_flow(make_area)
    body = fixture("onmessage_text.json")

    # when WPPConnect delivers the same message twice
    first, second = post(body), post(body)

    # then it is stored once and the bot answered once
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["messages"], second.json()["duplicates"]) == (1, 1)
    assert Message.objects.filter(direction="in").count() == 1
    assert Conversation.objects.get().unread_count == 1
    assert [m["message"] for m in fake_wppconnect.sent_messages()] == [MENU]


@pytest.mark.django_db(transaction=True)
def test_customer_gets_the_menu_through_send_message_exactly_once(
    wppconnect_line, fake_wppconnect, make_area
):
    # given a connected session and a default menu flow
    fake_wppconnect.connect()
    menu_flow(make_area)

    # when a customer writes
    assert post(fixture("onmessage_text.json")).status_code == 200

    # then the menu went out once, as numbered text, to the customer's number
    (sent,) = fake_wppconnect.sent_messages()
    assert (sent["endpoint"], sent["phone"], sent["isGroup"], sent["message"]) == (
        "send-message",
        "5491122334455",
        False,
        MENU,
    )
    answer = Message.objects.get(direction="out")
    assert (answer.sender_type, answer.text, answer.status, answer.provider_id) == (
        "bot",
        MENU,
        "sent",
        sent["id"],
    )


@pytest.mark.django_db(transaction=True)
def test_onack_moves_the_status_forward_only(wppconnect_line, fake_wppconnect, make_area):
    # given the bot's menu, sent through WPPConnect
    fake_wppconnect.connect()
    menu_flow(make_area)
    post(fixture("onmessage_text.json"))
    (sent,) = fake_wppconnect.sent_messages()
    answer = Message.objects.get(direction="out")

    # when its acks arrive: delivered, read, then a late delivered
    statuses = []
    for ack in (2, 3, 2):
        response = post(ack_event(sent["id"], ack))
        assert response.status_code == 200
        answer.refresh_from_db()
        statuses.append(answer.status)

    # then it went delivered, read, and stayed read
    assert statuses == ["delivered", "read", "read"]
    assert [h["status"] for h in answer.status_history] == [
        "queued",
        "sent",
        "delivered",
        "read",
    ]


def test_fixture_acks_of_an_unknown_message_wait_for_it(wppconnect_line):
    from ventanilla.conversations.models import EarlyStatus

    assert post(fixture("onack_delivered.json")).json()["statuses"] == 1

    early = EarlyStatus.objects.get()
    assert (early.provider_id, early.status) == (
        "true_5491122334455@c.us_3EB0D1E2F3A4B5C6D7E8",
        "delivered",
    )


@pytest.mark.django_db(transaction=True)
def test_voice_note_arrives_as_playable_audio(wppconnect_line, fake_wppconnect, admin, api):
    # given a voice note whose file came inline (webhook.autoDownload on the server)
    audio = b"OggS\x00\x02" + bytes(range(256)) * 4
    body = fixture("onmessage_ptt.json") | {"body": base64.b64encode(audio).decode()}

    # when it is posted
    response = post(body)

    # then the message is a voice note whose file holds those bytes with their mime type
    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.type, message.media_mime_type, message.media_size) == (
        "voice",
        "audio/ogg; codecs=opus",
        len(audio),
    )
    with message.media_file.open("rb") as stored:
        assert stored.read() == audio
    # no second download was asked of the server
    assert fake_wppconnect.calls("get-media-by-message/" + message.provider_id) == []
    # the console plays it: served inline as audio/ogg
    served = api(admin).get(f"/api/messages/{message.pk}/media")
    assert (served.status_code, served["Content-Type"]) == (200, "audio/ogg")
    assert b"".join(served.streaming_content) == audio
    # and consoles were told: message:new, then message:status once the file was stored
    names = list(LiveEvent.objects.order_by("id").values_list("name", flat=True))
    assert names == ["conversation:incoming", "message:new", "message:status"]
    media = LiveEvent.objects.get(name="message:status").data["media"]
    assert media["url"] == f"/api/messages/{message.pk}/media"


def test_large_inline_file_is_taken(wppconnect_line, settings):
    # given a 3 MiB document inline: a body beyond Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    content = b"%PDF" + b"\x00" * (3 * 1024 * 1024)
    body = message_event(
        "",
        type="document",
        mimetype="application/pdf",
        filename="contrato.pdf",
        body=base64.b64encode(content).decode(),
        size=len(content),
    )

    response = post(body)

    assert response.status_code == 200, response.content
    message = Message.objects.get()
    assert (message.type, message.media_filename, message.media_size) == (
        "document",
        "contrato.pdf",
        len(content),
    )


def test_body_over_the_limit_is_413(wppconnect_line, monkeypatch):
    from ventanilla.inbound import wppconnect

    monkeypatch.setattr(wppconnect, "MAX_WEBHOOK_BYTES", 100)

    response = post(message_event("x" * 200))

    assert response.status_code == 413
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_media_without_inline_file_is_fetched_by_message_id(wppconnect_line, fake_wppconnect):
    # given an image whose body is only a preview; the server can decrypt the file
    fake_wppconnect.connect()
    body = fixture("onmessage_image_autodownload.json")
    jpeg = b"\xff\xd8" + b"j" * 100
    fake_wppconnect.add_media(body["id"], jpeg, "image/jpeg")

    # when it is posted
    assert post(body).status_code == 200

    # then the file was fetched by the message's id and stored
    message = Message.objects.get()
    with message.media_file.open("rb") as stored:
        assert stored.read() == jpeg
    assert (message.type, message.text, message.media_mime_type) == (
        "image",
        "Llegó roto",
        "image/jpeg",
    )
    assert len(fake_wppconnect.calls("get-media-by-message/" + body["id"].replace("@", "%40"))) == 1


@pytest.mark.parametrize(
    ("chat", "reason"),
    [("120363043968123456@g.us", "group"), ("status@broadcast", "broadcast")],
)
def test_group_and_broadcast_messages_are_stored_nowhere(chat, reason, wppconnect_line):
    # given a message in a group chat, or a status update
    body = message_event("hola a todos", chat=chat, isGroupMsg=reason == "group")
    before = ignored_counts().get(reason, 0)

    # when it is posted
    response = post(body)

    # then it is acknowledged, counted, and nothing is stored
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert ignored_counts()[reason] == before + 1
    assert (Message.objects.count(), Contact.objects.count(), Conversation.objects.count()) == (
        0,
        0,
        0,
    )
    assert LiveEvent.objects.count() == 0


def test_unknown_events_are_answered_200_and_ignored(wppconnect_line):
    response = post({"event": "onpresencechanged", "session": "acme-support", "id": "x"})

    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert LiveEvent.objects.count() == 0


def test_incoming_call_is_counted(wppconnect_line):
    before = ignored_counts().get("incomingcall", 0)

    response = post(
        {"event": "incomingcall", "session": "acme-support", "peerJid": "5491122334455@c.us"}
    )

    assert response.status_code == 200
    assert ignored_counts()["incomingcall"] == before + 1
    assert Message.objects.count() == 0


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe"])
def test_body_that_is_not_json_is_400(raw, wppconnect_line):
    assert post(raw).status_code == 400


def test_only_post(wppconnect_line):
    assert Client().get(URL).status_code == 405


def test_store_failure_answers_503_and_stores_nothing(wppconnect_line, monkeypatch):
    from ventanilla.conversations.intake import InboundBatch

    def broken(batch, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(InboundBatch, "add", broken)

    response = post(fixture("onmessage_text.json"))

    assert response.status_code == 503
    assert (Message.objects.count(), Contact.objects.count()) == (0, 0)


def test_lid_and_phone_meet_in_one_contact(wppconnect_line):
    lid = "179950657237125@lid"
    # given a first message from a person known only by a lid
    post(message_event("hola", chat=lid, sender={"id": lid, "pushname": "Ana"}))
    # when a later message carries the lid and the phone, then one by the phone alone
    post(
        message_event(
            "sigo",
            chat=lid,
            sender={"id": lid, "phoneNumber": "5493515551111@c.us", "pushname": "Ana"},
        )
    )
    post(message_event("soy yo", phone="5493515551111", name="Ana"))

    # then it is one contact, with both, and one conversation
    contact = Contact.objects.get()
    assert (contact.phone, contact.wa_user_id) == ("+5493515551111", lid)
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 3


def test_qr_code_event_shows_the_qr(wppconnect_line):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nqr").decode()

    response = post({"event": "qrcode", "session": "acme-support", "qrcode": png, "urlcode": "2@"})

    assert response.status_code == 200
    wppconnect_line.refresh_from_db()
    assert (wppconnect_line.state, wppconnect_line.last_qr) == (
        "qr",
        f"data:image/png;base64,{png}",
    )
    events = [(e.name, e.data, e.audience) for e in LiveEvent.objects.order_by("id")]
    assert events == [
        (
            "session:status",
            {"line_id": wppconnect_line.pk, "state": "qr", "detail": "qrcode", "paused": False},
            {"all": True},
        ),
        (
            "session:qr",
            {"line_id": wppconnect_line.pk, "qr": f"data:image/png;base64,{png}"},
            {"all": True},
        ),
    ]
