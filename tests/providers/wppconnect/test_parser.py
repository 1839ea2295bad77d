"""The WPPConnect Server webhook parser: every fixture, every message kind, what is ignored."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ventanilla.providers.base import InboundMessage, MediaRef, ParsedWebhook, StatusUpdate
from ventanilla.providers.wppconnect.parser import (
    SessionEvent,
    WppEvent,
    inline_content,
    parse_event,
    parse_event_body,
    qr_data,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp" / "wppconnect"
SESSION = "acme-support"
PHONE = "5491122334455"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def messages(*items: InboundMessage) -> ParsedWebhook:
    return ParsedWebhook(messages=list(items))


EXPECTED = {
    "onmessage_text.json": WppEvent(
        event="onmessage",
        session=SESSION,
        parsed=messages(
            InboundMessage(
                provider_message_id="false_5491122334455@c.us_3EB0C767D097B7C7F0B1",
                from_phone=PHONE,
                from_user_id="",
                profile_name="Sheena",
                type="text",
                text="Hola, ¿dónde está mi pedido?",
                timestamp=at(1750030073),
                line_key=SESSION,
            )
        ),
    ),
    # The fixtures' base64 bodies are placeholders ("/9j/4AAQ... (base64 of ...)"): not a file,
    # so the media is fetched later by its message id.
    "onmessage_image_autodownload.json": WppEvent(
        event="onmessage",
        session=SESSION,
        parsed=messages(
            InboundMessage(
                provider_message_id="false_5491122334455@c.us_3EB0A1B2C3D4E5F60718",
                from_phone=PHONE,
                from_user_id="",
                profile_name="Sheena",
                type="image",
                text="Llegó roto",
                media=MediaRef(
                    provider_media_id="false_5491122334455@c.us_3EB0A1B2C3D4E5F60718",
                    mime_type="image/jpeg",
                    sha256="sXv3n6wq5tRkW3kq1xk8Q0S3mY9lq5b0Kx2m1x4yYk0=",
                    size=48211,
                ),
                timestamp=at(1750030100),
                line_key=SESSION,
            )
        ),
    ),
    "onmessage_ptt.json": WppEvent(
        event="onmessage",
        session=SESSION,
        parsed=messages(
            InboundMessage(
                provider_message_id="false_5491122334455@c.us_3EB0FFEE00112233",
                from_phone=PHONE,
                from_user_id="",
                profile_name="Sheena",
                type="voice",
                media=MediaRef(
                    provider_media_id="false_5491122334455@c.us_3EB0FFEE00112233",
                    mime_type="audio/ogg; codecs=opus",
                    voice=True,
                ),
                payload={"duration": 7},
                timestamp=at(1750030200),
                line_key=SESSION,
            )
        ),
    ),
    "onack_delivered.json": WppEvent(
        event="onack",
        session=SESSION,
        parsed=ParsedWebhook(
            statuses=[
                StatusUpdate(
                    provider_message_id="true_5491122334455@c.us_3EB0D1E2F3A4B5C6D7E8",
                    status="delivered",
                    recipient=PHONE,
                    line_key=SESSION,
                )
            ]
        ),
    ),
    "onack_read.json": WppEvent(
        event="onack",
        session=SESSION,
        parsed=ParsedWebhook(
            statuses=[
                StatusUpdate(
                    provider_message_id="true_5491122334455@c.us_3EB0D1E2F3A4B5C6D7E8",
                    status="read",
                    recipient=PHONE,
                    line_key=SESSION,
                )
            ]
        ),
    ),
    # The fixture's image is a placeholder too, so the QR's text stands in for it.
    "qrcode.json": WppEvent(
        event="qrcode",
        session=SESSION,
        session_event=SessionEvent("", "qrcode", "2@AbCdEf...,Xy12...,Zz34...,Qq56..."),
    ),
    "status_find_inChat.json": WppEvent(
        event="status-find", session=SESSION, session_event=SessionEvent("connected", "inChat")
    ),
    "status_find_qrReadSuccess.json": WppEvent(
        event="status-find",
        session=SESSION,
        session_event=SessionEvent("connecting", "qrReadSuccess"),
    ),
}


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_is_parsed_exactly(name):
    # given a real-shaped webhook body; when it is parsed; then it means exactly this
    assert parse_event(load(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_raw_bytes_parse_like_the_decoded_body(name):
    assert parse_event_body((FIXTURES / name).read_bytes()) == EXPECTED[name]


def test_voice_note_with_its_file_inline():
    # given a voice note whose body is the real base64 of the file (webhook.autoDownload)
    audio = b"OggS\x00\x02" + bytes(range(200))
    body = load("onmessage_ptt.json") | {"body": base64.b64encode(audio).decode()}

    # when parsed
    (message,) = parse_event(body).parsed.messages

    # then it is a voice note carrying the bytes, its mime type and its size
    assert (message.type, message.media.content, message.media.mime_type) == (
        "voice",
        audio,
        "audio/ogg; codecs=opus",
    )
    assert (message.media.size, message.media.voice) == (len(audio), True)


def test_image_preview_is_not_taken_for_the_file():
    # given an image without autoDownload: the body is a small preview, not the 48211 bytes
    preview = base64.b64encode(b"\xff\xd8" + b"p" * 300).decode()
    body = load("onmessage_image_autodownload.json") | {"body": preview}

    (message,) = parse_event(body).parsed.messages

    assert message.media.content is None
    assert message.media.provider_media_id == message.provider_message_id
    assert message.media.size == 48211


def test_image_file_inline_when_its_size_matches():
    content = b"\xff\xd8" + b"j" * 998
    body = load("onmessage_image_autodownload.json") | {
        "body": base64.b64encode(content).decode(),
        "size": len(content),
    }

    (message,) = parse_event(body).parsed.messages

    assert message.media.content == content


@pytest.mark.parametrize(
    ("value", "size", "expected"),
    [
        ("aGVsbG8=", None, b"hello"),
        ("data:audio/ogg; codecs=opus;base64,aGVsbG8=", None, b"hello"),
        ("aGVs\nbG8=", 5, b"hello"),
        ("aGVsbG8=", 6, None),
        ("not base64!", None, None),
        ("", None, None),
        ("aGVsbG8", None, None),
    ],
)
def test_inline_content(value, size, expected):
    assert inline_content(value, size) == expected


@pytest.mark.parametrize(
    ("chat", "reason"),
    [
        ("120363043968123456@g.us", "group"),
        ("status@broadcast", "broadcast"),
        ("1683812345@broadcast", "broadcast"),
        ("120363200000000000@newsletter", "newsletter"),
    ],
)
def test_chats_that_are_not_a_person_are_ignored(chat, reason):
    body = load("onmessage_text.json") | {"from": chat, "chatId": chat}

    event = parse_event(body)

    assert (event.parsed, event.ignored) == (ParsedWebhook(), reason)


def test_group_flag_alone_is_enough():
    event = parse_event(load("onmessage_text.json") | {"isGroupMsg": True})

    assert (event.parsed.messages, event.ignored) == ([], "group")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"fromMe": True}, "from_me"),
        ({"type": "e2e_notification"}, "notification"),
        ({"type": "ciphertext"}, "notification"),
        ({"type": "revoked"}, "notification"),
        ({"id": None}, "no_id"),
        ({"from": "", "chatId": "", "sender": {}}, "no_sender"),
    ],
)
def test_messages_not_from_a_person_writing_are_ignored(fields, reason):
    event = parse_event(load("onmessage_text.json") | fields)

    assert (event.parsed.messages, event.ignored) == ([], reason)


def test_lid_sender_is_a_user_id():
    # given a message from a person WhatsApp names by a lid only
    body = load("onmessage_text.json") | {
        "from": "179950657237125@lid",
        "chatId": "179950657237125@lid",
        "sender": {"id": "179950657237125@lid", "pushname": "Sheena"},
    }

    (message,) = parse_event(body).parsed.messages

    assert (message.from_phone, message.from_user_id) == ("", "179950657237125@lid")


def test_lid_with_its_phone_carries_both():
    body = load("onmessage_text.json") | {
        "from": "179950657237125@lid",
        "chatId": "179950657237125@lid",
        "sender": {
            "id": "179950657237125@lid",
            "phoneNumber": {"_serialized": "5491122334455@c.us"},
            "pushname": "Sheena",
        },
    }

    (message,) = parse_event(body).parsed.messages

    assert (message.from_phone, message.from_user_id) == (PHONE, "179950657237125@lid")


def test_phone_chat_with_a_lid_sender_carries_both():
    body = load("onmessage_text.json") | {
        "sender": {"id": "5491122334455@c.us", "lid": "179950657237125:12@lid"}
    }

    (message,) = parse_event(body).parsed.messages

    assert (message.from_phone, message.from_user_id) == (PHONE, "179950657237125@lid")


def test_location():
    body = load("onmessage_text.json") | {
        "type": "location",
        "body": "/9j/thumbnail",
        "lat": -34.6037,
        "lng": -58.3816,
        "loc": "Obelisco\nAv. 9 de Julio s/n",
    }

    (message,) = parse_event(body).parsed.messages

    assert (message.type, message.text, message.media) == ("location", "", None)
    assert message.payload == {
        "latitude": -34.6037,
        "longitude": -58.3816,
        "name": "Obelisco",
        "address": "Av. 9 de Julio s/n",
    }


def test_contact_card():
    vcard = (
        "BEGIN:VCARD\nVERSION:3.0\nN:;Ana;;;\nFN:Ana Pérez\n"
        "TEL;type=CELL;type=VOICE;waid=5493515551111:+54 9 351 555-1111\nEND:VCARD"
    )
    body = load("onmessage_text.json") | {
        "type": "vcard",
        "body": vcard,
        "vcardFormattedName": "Ana Pérez",
    }

    (message,) = parse_event(body).parsed.messages

    assert message.type == "contacts"
    assert message.payload == {
        "contacts": [
            {
                "name": {"formatted_name": "Ana Pérez"},
                "phones": [{"phone": "+54 9 351 555-1111", "wa_id": "5493515551111"}],
                "vcard": vcard,
            }
        ]
    }


def test_several_contact_cards():
    body = load("onmessage_text.json") | {
        "type": "multi_vcard",
        "vcardList": [
            {"displayName": "Ana", "vcard": "BEGIN:VCARD\nFN:Ana\nTEL:+5493515551111\nEND:VCARD"},
            {"displayName": "Beto", "vcard": "BEGIN:VCARD\nFN:Beto\nEND:VCARD"},
        ],
    }

    (message,) = parse_event(body).parsed.messages

    names = [card["name"]["formatted_name"] for card in message.payload["contacts"]]
    assert (message.type, names) == ("contacts", ["Ana", "Beto"])
    assert message.payload["contacts"][0]["phones"] == [{"phone": "+5493515551111"}]


@pytest.mark.parametrize(
    ("kind", "message_type"),
    [("video", "video"), ("document", "document"), ("sticker", "sticker"), ("audio", "audio")],
)
def test_other_media(kind, message_type):
    content = b"file-bytes"
    body = load("onmessage_text.json") | {
        "type": kind,
        "mimetype": "application/pdf" if kind == "document" else f"{kind}/x",
        "filename": "factura.pdf" if kind == "document" else None,
        "caption": "mirá" if kind != "audio" else None,
        "body": base64.b64encode(content).decode(),
    }

    (message,) = parse_event(body).parsed.messages

    assert (message.type, message.media.content, message.media.voice) == (
        message_type,
        content,
        False,
    )
    assert message.media.filename == ("factura.pdf" if kind == "document" else "")


def test_button_reply():
    body = load("onmessage_text.json") | {
        "type": "buttons_response",
        "body": "Ventas",
        "selectedButtonId": "n2",
    }

    (message,) = parse_event(body).parsed.messages

    assert (message.type, message.text, message.payload) == (
        "interactive",
        "Ventas",
        {"kind": "button_reply", "id": "n2", "title": "Ventas"},
    )


def test_unknown_message_type_is_kept_as_unsupported_without_bulky_fields():
    body = load("onmessage_text.json") | {"type": "poll_creation", "body": "x" * 5000}

    (message,) = parse_event(body).parsed.messages

    assert message.type == "unsupported"
    assert message.payload["original_type"] == "poll_creation"
    assert "body" not in message.payload["raw"]
    assert message.payload["raw"]["id"] == message.provider_message_id


def test_quoted_message_is_the_reply_target():
    body = load("onmessage_text.json") | {
        "quotedMsgId": "true_5491122334455@c.us_3EB0D1E2F3A4B5C6D7E8"
    }

    (message,) = parse_event(body).parsed.messages

    assert message.reply_to_provider_id == "true_5491122334455@c.us_3EB0D1E2F3A4B5C6D7E8"


def test_unread_messages_on_start_are_messages_too():
    body = load("onmessage_text.json") | {"event": "unreadmessages"}

    assert len(parse_event(body).parsed.messages) == 1


@pytest.mark.parametrize(
    ("ack", "status"),
    [(1, "sent"), (2, "delivered"), (3, "read"), (4, "read"), (-1, "failed")],
)
def test_ack_levels(ack, status):
    (update,) = parse_event(load("onack_read.json") | {"ack": ack}).parsed.statuses

    assert update.status == status
    assert update.error_code == ("-1" if status == "failed" else "")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"ack": 0}, "ack_pending"),
        ({"ack": "3"}, "ack_unknown"),
        ({"ack": True}, "ack_unknown"),
        (
            {"id": {"fromMe": False, "_serialized": "false_5491122334455@c.us_X"}},
            "ack_of_received",
        ),
        (
            {"id": {"fromMe": True, "remote": "1203630@g.us", "_serialized": "true_1@g.us_X"}},
            "group",
        ),
        ({"id": None}, "no_id"),
    ],
)
def test_acks_that_say_nothing_about_our_messages(fields, reason):
    event = parse_event(load("onack_read.json") | fields)

    assert (event.parsed.statuses, event.ignored) == ([], reason)


def test_ack_with_a_string_id():
    body = load("onack_read.json") | {"id": "true_5491122334455@c.us_3EB0AA"}

    (update,) = parse_event(body).parsed.statuses

    assert (update.provider_message_id, update.status) == ("true_5491122334455@c.us_3EB0AA", "read")


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("notLogged", "qr"),
        ("qrReadSuccess", "connecting"),
        ("isLogged", "connecting"),
        ("inChat", "connected"),
        ("browserClose", "disconnected"),
        ("desconnectedMobile", "disconnected"),
        ("autocloseCalled", "disconnected"),
        ("qrReadFail", "error"),
        ("deviceNotConnected", "error"),
    ],
)
def test_status_find_states(status, state):
    event = parse_event({"event": "status-find", "session": SESSION, "status": status})

    assert event.session_event == SessionEvent(state, status)


def test_unknown_status_find_is_ignored():
    event = parse_event({"event": "status-find", "session": SESSION, "status": "somethingNew"})

    assert (event.session_event, event.ignored) == (None, "status:somethingNew")


@pytest.mark.parametrize("name", ["closesession", "logoutsession"])
def test_session_closed_events(name):
    event = parse_event({"event": name, "session": SESSION, "connected": False})

    assert event.session_event == SessionEvent("disconnected", name)


def test_qr_image_becomes_a_data_url():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nrest").decode()

    event = parse_event({"event": "qrcode", "session": SESSION, "qrcode": png, "urlcode": "2@x"})

    assert event.session_event == SessionEvent("", "qrcode", f"data:image/png;base64,{png}")


@pytest.mark.parametrize(
    ("qrcode", "urlcode", "expected"),
    [
        ("data:image/png;base64,iVBORw0K", "", "data:image/png;base64,iVBORw0K"),
        ("iVBOR w0K", "", "data:image/png;base64,iVBORw0K"),
        ('"><script>', "2@code", "2@code"),
        ("", "", ""),
    ],
)
def test_qr_data(qrcode, urlcode, expected):
    assert qr_data(qrcode, urlcode) == expected


def test_incoming_call():
    event = parse_event(
        {
            "event": "incomingcall",
            "session": SESSION,
            "id": "CALL1",
            "peerJid": "5491122334455@c.us",
            "isVideo": True,
            "isGroup": False,
            "offerTime": 1750030500,
        }
    )

    assert event.call == {
        "id": "CALL1",
        "from_phone": PHONE,
        "from_user_id": "",
        "video": True,
        "group": False,
        "timestamp": at(1750030500),
    }


@pytest.mark.parametrize("event_name", ["onpresencechanged", "onparticipantschanged", "x", ""])
def test_other_events_are_ignored_on_purpose(event_name):
    event = parse_event({"event": event_name, "session": SESSION})

    assert (event.parsed, event.session_event, event.call) == (ParsedWebhook(), None, None)
    assert event.ignored == f"event:{event_name or '?'}"


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff", b"nan"])
def test_bytes_that_are_not_json(raw):
    assert parse_event_body(raw).ignored == "invalid_json"


@pytest.mark.parametrize("body", [None, [], "onmessage", 3])
def test_bodies_that_are_not_objects(body):
    assert parse_event(body).ignored == "not_an_object"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    event=st.sampled_from(["onmessage", "onack", "qrcode", "status-find", "incomingcall"]),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "from",
                "chatId",
                "sender",
                "type",
                "body",
                "ack",
                "mimetype",
                "size",
                "status",
                "qrcode",
                "urlcode",
                "fromMe",
                "t",
                "lat",
                "vcardList",
                "peerJid",
            ]
        ),
        json_values,
        max_size=8,
    ),
)
def test_any_shape_never_raises(event, fields):
    parsed = parse_event({"event": event, "session": SESSION, **fields})

    assert isinstance(parsed, WppEvent)
    assert parsed.parsed.errors == []  # no parser failure: every shape is handled


@pytest.mark.parametrize("duration", ["²", "7.5", "-3", ""])
def test_a_voice_note_whose_duration_is_no_number_is_kept_without_one(duration):
    # given a voice note whose duration is not plain digits ("²" passes str.isdigit)
    body = load("onmessage_ptt.json") | {"duration": duration}

    # when parsed, then it is the voice note, with no duration rather than a crash
    (message,) = parse_event(body).parsed.messages
    assert (message.type, message.payload) == ("voice", {})


def test_a_customers_reaction():
    event = parse_event(
        {
            "event": "onreactionmessage",
            "session": SESSION,
            "id": {"_serialized": f"false_{PHONE}@c.us_3EB0REACTION"},
            "msgId": {"_serialized": f"true_{PHONE}@c.us_3EB0OURS"},
            "reactionText": "👍",
            "read": False,
            "orphan": 0,
            "timestamp": 1750030500,
        }
    )

    assert event.ignored == ""
    (message,) = event.parsed.messages
    assert (message.type, message.text, message.from_phone) == ("reaction", "👍", PHONE)
    assert message.payload == {"emoji": "👍", "message_id": f"true_{PHONE}@c.us_3EB0OURS"}
    assert message.provider_message_id == f"false_{PHONE}@c.us_3EB0REACTION.1750030500"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"id": f"true_{PHONE}@c.us_3EB0R", "msgId": f"false_{PHONE}@c.us_3EB0X"}, "from_me"),
        ({"id": "false_120363@g.us_3EB0R", "msgId": "false_120363@g.us_3EB0X"}, "group"),
        ({"msgId": f"false_{PHONE}@c.us_3EB0X"}, "no_id"),
    ],
)
def test_reactions_that_are_not_a_customers(body, why):
    event = parse_event({"event": "onreactionmessage", "session": SESSION, **body})

    assert (event.parsed, event.ignored) == (ParsedWebhook(), why)
