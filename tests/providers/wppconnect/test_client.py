"""The WPPConnect Server client against the fake server: token, sends, errors, media, session."""

import base64

import httpx
import pytest

from tests.fakes.wppconnect import FakeWppConnect
from ventanilla.providers.base import MediaRef, OutboundMessage, SendError
from ventanilla.providers.wppconnect.client import (
    WppConnectClient,
    build_send_request,
    session_state,
)


def client_for(fake: FakeWppConnect, **kwargs) -> WppConnectClient:
    return WppConnectClient(fake.url, fake.session, fake.secret_key, **kwargs)


def text(to="5491122334455", body="hola", **fields) -> OutboundMessage:
    return OutboundMessage(to_phone=to, to_user_id="", type="text", text=body, **fields)


def test_token_is_generated_once_and_kept(fake_wppconnect):
    # given a connected session and a client without a token
    fake_wppconnect.connect()
    kept = []
    client = client_for(fake_wppconnect, on_token=kept.append)

    # when it sends twice
    first = client.send(text(body="uno"))
    second = client.send(text(body="dos"))

    # then one token was asked for, kept, and used as the bearer of both sends
    assert len(fake_wppconnect.calls("generate-token")) == 1
    assert kept == [client.token]
    sends = fake_wppconnect.calls("send-message")
    assert [r.headers["authorization"] for r in sends] == [f"Bearer {client.token}"] * 2
    assert first.provider_message_id != second.provider_message_id
    assert first.provider_message_id.startswith("true_5491122334455@c.us_3EB0FAKE")


def test_refused_token_is_generated_again_once(fake_wppconnect):
    fake_wppconnect.connect()
    kept = []
    client = client_for(fake_wppconnect, token="stale-token", on_token=kept.append)

    result = client.send(text())

    assert result.provider_message_id
    assert len(kept) == 1
    assert [r.path.rsplit("/", 1)[-1] for r in fake_wppconnect.requests] == [
        "send-message",
        "generate-token",
        "send-message",
    ]


def test_wrong_secret_key_is_not_retryable(fake_wppconnect):
    client = WppConnectClient(fake_wppconnect.url, fake_wppconnect.session, "wrong")

    with pytest.raises(SendError) as error:
        client.send(text())

    assert (error.value.code, error.value.retryable) == ("bad_secret_key", False)


def test_text_body(fake_wppconnect):
    fake_wppconnect.connect()

    client_for(fake_wppconnect).send(text(body="¿Cómo seguimos?", reply_to_provider_id="false_x_1"))

    (sent,) = fake_wppconnect.sent_messages()
    assert {k: sent[k] for k in ("phone", "message", "isGroup", "options", "to")} == {
        "phone": "5491122334455",
        "message": "¿Cómo seguimos?",
        "isGroup": False,
        "options": {"quotedMsg": "false_x_1"},
        "to": "5491122334455@c.us",
    }


def test_lid_recipient(fake_wppconnect):
    fake_wppconnect.connect()
    message = OutboundMessage(
        to_phone="", to_user_id="179950657237125@lid", type="text", text="hola"
    )

    result = client_for(fake_wppconnect).send(message)

    (sent,) = fake_wppconnect.sent_messages()
    assert (sent["phone"], sent["isLid"], sent["to"]) == (
        "179950657237125",
        True,
        "179950657237125@lid",
    )
    assert result.provider_message_id.startswith("true_179950657237125@lid_")


@pytest.mark.parametrize(
    ("message", "endpoint", "fields"),
    [
        (
            OutboundMessage(
                to_phone="5491122334455",
                to_user_id="",
                type="image",
                text="la factura",
                media=MediaRef(mime_type="image/jpeg", content=b"jpg"),
            ),
            "send-image",
            {"caption": "la factura", "filename": "image", "base64": "data:image/jpeg;base64,anBn"},
        ),
        (
            OutboundMessage(
                to_phone="5491122334455",
                to_user_id="",
                type="document",
                media=MediaRef(mime_type="application/pdf", filename="f.pdf", content=b"%PDF"),
            ),
            "send-file-base64",
            {"filename": "f.pdf", "base64": "data:application/pdf;base64,JVBERg=="},
        ),
        (
            OutboundMessage(
                to_phone="5491122334455",
                to_user_id="",
                type="voice",
                media=MediaRef(mime_type="audio/ogg; codecs=opus", content=b"OggS"),
            ),
            "send-voice-base64",
            {"base64Ptt": "data:audio/ogg;base64,T2dnUw=="},
        ),
        (
            OutboundMessage(
                to_phone="5491122334455",
                to_user_id="",
                type="video",
                media=MediaRef(mime_type="video/mp4", url="https://example.test/v.mp4"),
            ),
            "send-file-base64",
            {"filename": "file", "path": "https://example.test/v.mp4"},
        ),
        (
            OutboundMessage(
                to_phone="5491122334455",
                to_user_id="",
                type="location",
                payload={"latitude": -34.6, "longitude": -58.38, "name": "Obelisco"},
            ),
            "send-location",
            {"lat": "-34.6", "lng": "-58.38", "title": "Obelisco", "address": ""},
        ),
    ],
)
def test_media_and_location_bodies(fake_wppconnect, message, endpoint, fields):
    fake_wppconnect.connect()

    result = client_for(fake_wppconnect).send(message)

    (sent,) = fake_wppconnect.sent_messages()
    assert sent["endpoint"] == endpoint
    assert {k: sent.get(k) for k in fields} == fields
    assert result.provider_message_id == sent["id"]


def test_menu_goes_out_as_numbered_text():
    message = OutboundMessage(
        to_phone="5491122334455",
        to_user_id="",
        type="interactive",
        payload={"body": "¿Con quién?", "options": [{"id": "a", "title": "Soporte"}, "Ventas"]},
    )

    assert build_send_request(message) == (
        "send-message",
        {
            "phone": "5491122334455",
            "isGroup": False,
            "message": "¿Con quién?\n\n1. Soporte\n2. Ventas",
        },
    )


@pytest.mark.parametrize(
    "message",
    [
        OutboundMessage(to_phone="", to_user_id="", type="text", text="x"),
        OutboundMessage(to_phone="", to_user_id="US.1234", type="text", text="x"),
        OutboundMessage(to_phone="549", to_user_id="", type="text", text="  "),
        OutboundMessage(to_phone="549", to_user_id="", type="image"),
        OutboundMessage(to_phone="549", to_user_id="", type="template", payload={"name": "t"}),
        OutboundMessage(to_phone="549", to_user_id="", type="location", payload={}),
    ],
)
def test_messages_that_cannot_be_sent(message):
    with pytest.raises(SendError) as error:
        build_send_request(message)

    assert (error.value.code, error.value.retryable) == ("invalid_message", False)


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"),
    [
        (500, None, "http_500", True),
        (503, None, "http_503", True),
        (429, None, "http_429", True),
        (
            400,
            {"status": "Connected", "message": "O número 549 não existe."},
            "not_on_whatsapp",
            False,
        ),
        (422, {"message": "bad"}, "http_422", False),
    ],
)
def test_errors(fake_wppconnect, status, body, code, retryable):
    fake_wppconnect.connect()
    fake_wppconnect.fail_next(status, path="send-message", body=body)

    with pytest.raises(SendError) as error:
        client_for(fake_wppconnect).send(text())

    assert (error.value.code, error.value.retryable) == (code, retryable)
    assert fake_wppconnect.sent_messages() == []


def test_session_not_running_is_retryable(fake_wppconnect):
    with pytest.raises(SendError) as error:
        client_for(fake_wppconnect).send(text())

    assert (error.value.code, error.value.retryable) == ("disconnected", True)


def test_unknown_number(fake_wppconnect):
    fake_wppconnect.connect()
    fake_wppconnect.unknown_numbers.add("5491100000000")

    with pytest.raises(SendError) as error:
        client_for(fake_wppconnect).send(text(to="5491100000000"))

    assert (error.value.code, error.value.retryable) == ("not_on_whatsapp", False)


def test_timeout_is_retryable(fake_wppconnect):
    fake_wppconnect.connect()
    fake_wppconnect.slow_next(1.0, path="send-message")
    client = client_for(fake_wppconnect, http=httpx.Client(timeout=0.2))

    with pytest.raises(SendError) as error:
        client.send(text())

    assert (error.value.code, error.value.retryable) == ("timeout", True)


def test_unreachable_server_is_retryable():
    client = WppConnectClient("http://127.0.0.1:9", "s", "k", token="t")

    with pytest.raises(SendError) as error:
        client.send(text())

    assert (error.value.code, error.value.retryable) == ("connection", True)


def test_accepted_without_an_id_is_not_retried(fake_wppconnect):
    fake_wppconnect.connect()
    fake_wppconnect.fail_next(201, path="send-message", body={"status": "success", "response": []})

    with pytest.raises(SendError) as error:
        client_for(fake_wppconnect).send(text())

    assert (error.value.code, error.value.retryable) == ("no_message_id", False)


def test_mark_read_marks_the_chat_seen(fake_wppconnect):
    fake_wppconnect.connect()

    client_for(fake_wppconnect).mark_read("false_5491122334455@c.us_3EB0C767D097B7C7F0B1")

    assert fake_wppconnect.seen_chats() == ["5491122334455@c.us"]


def test_fetch_media_by_message_id(fake_wppconnect):
    fake_wppconnect.connect()
    fake_wppconnect.add_media("false_549@c.us_ABC", b"\xff\xd8jpeg", "image/jpeg")

    content, mime = client_for(fake_wppconnect).fetch_media(
        MediaRef(provider_media_id="false_549@c.us_ABC")
    )

    assert (content, mime) == (b"\xff\xd8jpeg", "image/jpeg")


def test_fetch_media_inline_needs_no_request(fake_wppconnect):
    content, mime = client_for(fake_wppconnect).fetch_media(
        MediaRef(content=b"abc", mime_type="audio/ogg")
    )

    assert (content, mime, fake_wppconnect.requests) == (b"abc", "audio/ogg", [])


def test_session_calls(fake_wppconnect):
    # given a fake whose QR nobody scans
    fake_wppconnect.scan = False
    fake_wppconnect.qr_count = 0
    client = client_for(fake_wppconnect)

    # when the session is started, looked at and closed
    started = client.start_session("http://127.0.0.1:9/hook", wait_qr_code=False)
    fake_wppconnect.status = "QRCODE"
    status = client.status_session()
    qr = client.qrcode_session()
    closed = client.close_session()

    # then the answers are the server's
    assert started == {"status": "CLOSED", "qrcode": None}
    assert fake_wppconnect.calls("start-session")[0].json == {
        "webhook": "http://127.0.0.1:9/hook",
        "waitQrCode": False,
    }
    assert session_state(status) == ("qr", status["qrcode"])
    assert qr.startswith("data:image/png;base64,")
    assert base64.b64decode(qr.split(",", 1)[1]).startswith(b"\x89PNG")
    assert closed["status"] is True
    assert fake_wppconnect.status == "CLOSED"


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ({"status": "CONNECTED"}, "connected"),
        ({"status": "INITIALIZING"}, "connecting"),
        ({"status": "CLOSED", "qrcode": None}, "disconnected"),
        ({"status": "QRCODE", "qrcode": None, "urlcode": "2@abc"}, "qr"),
        ({"status": "whatever"}, ""),
        (None, ""),
    ],
)
def test_session_state(answer, state):
    assert session_state(answer)[0] == state
