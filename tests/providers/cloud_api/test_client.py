from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.fakes.cloud_api import DEFAULT_PHONE_NUMBER_ID, fake_cloud_api  # noqa: F401
from ventanilla.providers.base import MediaRef, OutboundMessage, SendError, SendResult
from ventanilla.providers.cloud_api.client import CloudApiClient, build_message_body, fit

TO = "5491122334455"
USER_ID = "AR.40512345678901234567"


@pytest.fixture
def client(fake_cloud_api):  # noqa: F811
    with CloudApiClient(
        fake_cloud_api.url, DEFAULT_PHONE_NUMBER_ID, fake_cloud_api.access_token, timeout=2
    ) as api:
        yield api


def text(body="Hola", **fields) -> OutboundMessage:
    to_phone = fields.pop("to_phone", TO)
    return OutboundMessage(to_phone=to_phone, to_user_id="", type="text", text=body, **fields)


def menu(kind, options, **extra) -> OutboundMessage:
    payload = {"kind": kind, "body": "Elegí una opción", "options": options, **extra}
    return OutboundMessage(to_phone=TO, to_user_id="", type="interactive", payload=payload)


# -- sending -----------------------------------------------------------------------------------


def test_text_send_body_shape(client, fake_cloud_api):  # noqa: F811
    # given a text reply to a customer message
    message = text("Hola, ¿en qué te ayudo?", reply_to_provider_id="wamid.IN1")

    # when sent
    result = client.send(message)

    # then the fake got exactly one authenticated request with the Cloud API body
    assert result == SendResult(provider_message_id="wamid.FAKE000001")
    [request] = fake_cloud_api.requests
    assert (request.method, request.path) == ("POST", f"/{DEFAULT_PHONE_NUMBER_ID}/messages")
    assert request.headers["authorization"] == f"Bearer {fake_cloud_api.access_token}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": "text",
        "text": {"body": "Hola, ¿en qué te ayudo?", "preview_url": False},
        "context": {"message_id": "wamid.IN1"},
    }
    assert fake_cloud_api.sent_messages() == [request.json]


def test_each_send_gets_a_unique_id(client):
    # given two sends
    # when sent
    first, second = client.send(text("uno")), client.send(text("dos"))

    # then the provider ids differ
    assert first.provider_message_id != second.provider_message_id


def test_trailing_slash_in_base_url_is_harmless(fake_cloud_api):  # noqa: F811
    # given a base URL written with a trailing slash
    with CloudApiClient(
        fake_cloud_api.url + "/", DEFAULT_PHONE_NUMBER_ID, fake_cloud_api.access_token
    ) as api:
        # when sending
        api.send(text())

    # then the path has no double slash
    assert [r.path for r in fake_cloud_api.requests] == [f"/{DEFAULT_PHONE_NUMBER_ID}/messages"]


def test_recipient_falls_back_to_user_id_when_phone_is_unknown(client, fake_cloud_api):  # noqa: F811
    # given a customer known only by business-scoped user id
    message = OutboundMessage(to_phone="", to_user_id=USER_ID, type="text", text="Hola")

    # when sent
    client.send(message)

    # then the body names the user in "recipient" and has no "to"
    [body] = fake_cloud_api.sent_messages()
    assert body["recipient"] == USER_ID
    assert "to" not in body


def test_phone_wins_over_user_id(client, fake_cloud_api):  # noqa: F811
    # given both identifiers known (Meta gives "to" precedence; we send only "to")
    message = OutboundMessage(to_phone="+" + TO, to_user_id=USER_ID, type="text", text="Hola")

    # when sent
    client.send(message)

    # then only the phone, without "+", is used
    [body] = fake_cloud_api.sent_messages()
    assert (body["to"], "recipient" in body) == (TO, False)


def test_no_recipient_is_refused_before_any_request(client, fake_cloud_api):  # noqa: F811
    # given a message with neither phone nor user id
    message = OutboundMessage(to_phone="", to_user_id="", type="text", text="Hola")

    # when sent / then a non-retryable error is raised and nothing went out
    with pytest.raises(SendError) as caught:
        client.send(message)
    assert (caught.value.retryable, caught.value.code) == (False, "invalid_message")
    assert fake_cloud_api.requests == []


def test_buttons_within_limits(client, fake_cloud_api):  # noqa: F811
    # given a menu of 3 options, one title longer than 20 characters
    options = [
        {"id": "ventas", "title": "Ventas"},
        {"id": "soporte", "title": "Soporte técnico y reclamos"},
        {"id": "otro", "title": "Otro"},
    ]

    # when sent
    client.send(menu("buttons", options))

    # then it goes as reply buttons with the long title cut safely to 20
    [body] = fake_cloud_api.sent_messages()
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Elegí una opción"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "ventas", "title": "Ventas"}},
                {"type": "reply", "reply": {"id": "soporte", "title": "Soporte técnico y r…"}},
                {"type": "reply", "reply": {"id": "otro", "title": "Otro"}},
            ]
        },
    }
    assert len("Soporte técnico y r…") == 20


def test_more_than_three_buttons_become_a_list(client, fake_cloud_api):  # noqa: F811
    # given a "buttons" menu with 4 options (WhatsApp allows 3 buttons)
    options = [{"id": str(i), "title": f"Opción {i}"} for i in range(1, 5)]

    # when sent
    client.send(menu("buttons", options))

    # then it is sent as a list so no option is lost
    [body] = fake_cloud_api.sent_messages()
    assert body["interactive"]["type"] == "list"
    assert body["interactive"]["action"] == {
        "button": "Ver opciones",
        "sections": [{"rows": [{"id": str(i), "title": f"Opción {i}"} for i in range(1, 5)]}],
    }


def test_list_rows_are_capped_at_ten_and_titles_at_24(client, fake_cloud_api):  # noqa: F811
    # given a list of 12 rows with long titles and descriptions
    options = [
        {"id": f"row{i}", "title": f"Departamento número {i:02d} extra", "description": "x" * 80}
        for i in range(12)
    ]

    # when sent
    client.send(menu("list", options, button="Elegir departamento ahora"))

    # then 10 rows go out, each title <= 24, description <= 72, button label <= 20
    [body] = fake_cloud_api.sent_messages()
    action = body["interactive"]["action"]
    rows = action["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"row{i}" for i in range(10)]
    assert rows[0]["title"] == "Departamento número 00…"
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["description"] == "x" * 71 + "…"
    assert action["button"] == "Elegir departamento…"


def test_titles_cut_to_the_same_text_are_made_unique():
    # given two options whose titles only differ after 20 characters
    message = menu(
        "buttons",
        [
            {"id": "a", "title": "Consultas de facturación A"},
            {"id": "b", "title": "Consultas de facturación B"},
        ],
    )

    # when the body is built
    buttons = build_message_body(message)["interactive"]["action"]["buttons"]

    # then both titles fit and differ (Meta rejects duplicates)
    titles = [b["reply"]["title"] for b in buttons]
    assert titles == ["Consultas de factur…", "Consultas de fact… 2"]
    assert all(len(t) <= 20 for t in titles)


def test_fit_never_splits_an_emoji_sequence():
    # given a title ending in a family emoji (a ZWJ sequence) that crosses the limit
    title = "Familia 👨‍👩‍👧 todos"

    # when fitted to 12 UTF-16 units
    cut = fit(title, 12)

    # then the emoji is dropped whole, not half-kept
    assert cut == "Familia…"


@pytest.mark.parametrize(
    ("title", "limit", "expected"),
    [
        ("Hola 🇦🇷 y 🇺🇾", 8, "Hola…"),  # a flag is two code points, never split
        ("Café con leche", 5, "Café…"),
        ("Cafe\u0301 con leche", 6, "Cafe\u0301…"),  # e + combining acute stays together
        ("👍🏽 bien hecho", 4, "…"),  # thumbs + skin tone is 4 units: with the … it does not fit
        ("corto", 20, "corto"),
    ],
)
def test_fit_cuts_between_user_perceived_characters(title, limit, expected):
    # given a title longer than the limit
    # when fitted / then the cut keeps whole characters and ends in an ellipsis
    assert fit(title, limit) == expected


def test_menu_body_keeps_its_line_breaks_and_titles_become_one_line():
    # given a menu body written on several lines and a title with a line break
    message = OutboundMessage(
        to_phone=TO,
        to_user_id="",
        type="interactive",
        payload={
            "kind": "buttons",
            "body": "¡Hola!\nElegí una opción:",
            "options": [{"id": "1", "title": "Ventas\ny más"}],
        },
    )

    # when the body is built
    interactive = build_message_body(message)["interactive"]

    # then the body is untouched and the title is on one line
    assert interactive["body"] == {"text": "¡Hola!\nElegí una opción:"}
    assert interactive["action"]["buttons"][0]["reply"]["title"] == "Ventas y más"


def test_concurrent_sends_are_each_recorded_once(client, fake_cloud_api):  # noqa: F811
    # given 20 sends from 5 threads sharing one client
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda i: client.send(text(f"m{i}")), range(20)))

    # then 20 distinct ids came back and the fake recorded each body once
    assert len({r.provider_message_id for r in results}) == 20
    assert sorted(b["text"]["body"] for b in fake_cloud_api.sent_messages()) == sorted(
        f"m{i}" for i in range(20)
    )


def test_interactive_without_options_is_refused(client, fake_cloud_api):  # noqa: F811
    # given a menu with no usable options
    # when sent / then it fails without retry and nothing is sent
    with pytest.raises(SendError) as caught:
        client.send(menu("buttons", []))
    assert caught.value.reason == "interactive message without options"
    assert caught.value.retryable is False
    assert fake_cloud_api.requests == []


def test_media_by_id_and_by_link(client, fake_cloud_api):  # noqa: F811
    # given a document by uploaded id and an image by link, both with captions
    document = OutboundMessage(
        to_phone=TO,
        to_user_id="",
        type="document",
        text="Tu factura",
        media=MediaRef(provider_media_id="98765", filename="factura.pdf"),
    )
    image = OutboundMessage(
        to_phone=TO,
        to_user_id="",
        type="image",
        text="Foto",
        media=MediaRef(url="https://example.com/a.jpg"),
    )
    audio = OutboundMessage(
        to_phone=TO, to_user_id="", type="audio", text="ignored", media=MediaRef("555")
    )

    # when sent
    for message in (document, image, audio):
        client.send(message)

    # then each body carries the media the Cloud API way (no caption on audio)
    bodies = fake_cloud_api.sent_messages()
    assert bodies[0]["document"] == {
        "id": "98765",
        "caption": "Tu factura",
        "filename": "factura.pdf",
    }
    assert bodies[1]["image"] == {"link": "https://example.com/a.jpg", "caption": "Foto"}
    assert bodies[2]["audio"] == {"id": "555"}
    assert [b["type"] for b in bodies] == ["document", "image", "audio"]


def test_template_send(client, fake_cloud_api):  # noqa: F811
    # given a template with a body parameter
    components = [{"type": "body", "parameters": [{"type": "text", "text": "Lucía"}]}]
    message = OutboundMessage(
        to_phone=TO,
        to_user_id="",
        type="template",
        payload={"name": "retomar_conversacion", "language": "es_AR", "components": components},
    )

    # when sent
    client.send(message)

    # then the template part names it, its language and components
    [body] = fake_cloud_api.sent_messages()
    assert body["template"] == {
        "name": "retomar_conversacion",
        "language": {"code": "es_AR"},
        "components": components,
    }


def test_reaction_send(client, fake_cloud_api):  # noqa: F811
    # given a reaction to a customer message
    message = OutboundMessage(
        to_phone=TO,
        to_user_id="",
        type="reaction",
        payload={"message_id": "wamid.IN9", "emoji": "👍"},
    )

    # when sent
    client.send(message)

    # then the body is a reaction without reply context
    [body] = fake_cloud_api.sent_messages()
    assert body["reaction"] == {"message_id": "wamid.IN9", "emoji": "👍"}
    assert "context" not in body


def test_mark_read(client, fake_cloud_api):  # noqa: F811
    # given a received message id
    # when marked as read
    client.mark_read("wamid.IN7")

    # then the fake got a read receipt and no send
    assert fake_cloud_api.read_receipts() == ["wamid.IN7"]
    assert fake_cloud_api.sent_messages() == []
    assert fake_cloud_api.requests[0].json == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN7",
    }


# -- failures ------------------------------------------------------------------------------------


def send_with_retries(client, message, attempts=5):
    """What the outbox job does, minus the backoff: retry while the error is retryable."""
    errors = []
    for _ in range(attempts):
        try:
            return client.send(message), errors
        except SendError as error:
            errors.append(error)
            if not error.retryable:
                raise
    raise AssertionError(f"gave up after {errors}")


def test_two_500s_then_success_gives_one_accepted_send(client, fake_cloud_api):  # noqa: F811
    # given the API fails twice with 500
    fake_cloud_api.fail_next(status=500, times=2)

    # when the caller retries while the error is retryable
    result, errors = send_with_retries(client, text("Hola"))

    # then two retryable errors, a third request accepted, one message sent
    assert [(e.retryable, e.code) for e in errors] == [(True, "500"), (True, "500")]
    assert len(fake_cloud_api.requests) == 3
    assert len(fake_cloud_api.sent_messages()) == 1
    assert result.provider_message_id == "wamid.FAKE000001"


def test_429_is_retryable_with_retry_after(client, fake_cloud_api):  # noqa: F811
    # given the API answers 429 with Retry-After
    fake_cloud_api.fail_next(status=429, headers={"Retry-After": "7"})

    # when sending
    with pytest.raises(SendError) as caught:
        client.send(text())

    # then the error is retryable after 7 seconds and nothing was sent
    assert (caught.value.retryable, caught.value.retry_after, caught.value.code) == (
        True,
        7.0,
        "429",
    )
    assert fake_cloud_api.sent_messages() == []


@pytest.mark.parametrize(
    ("code", "status", "retryable", "reason"),
    [
        (131047, 400, False, "outside the 24-hour window: only templates can be sent"),
        (131026, 400, False, "message undeliverable (the number may not be on WhatsApp)"),
        (190, 401, False, "access token invalid or expired"),
        (130429, 400, True, "throughput limit reached for the number: retry later"),
        (131056, 400, True, "too many messages to the same customer in a short time: retry later"),
        (131062, 400, False, "this message cannot be sent to a user id: a phone number is needed"),
    ],
)
def test_graph_error_codes_are_mapped(client, fake_cloud_api, code, status, retryable, reason):  # noqa: F811
    # given the API rejects the send with a Graph error code
    fake_cloud_api.fail_next(status=status, error_code=code)

    # when sending
    with pytest.raises(SendError) as caught:
        client.send(text())

    # then the SendError carries the code, the clear reason and whether to retry
    assert (caught.value.code, caught.value.reason, caught.value.retryable) == (
        str(code),
        reason,
        retryable,
    )


def test_rate_limit_code_uses_retry_after_header(client, fake_cloud_api):  # noqa: F811
    # given a 131056 pair rate limit with Retry-After
    fake_cloud_api.fail_next(status=400, error_code=131056, headers={"Retry-After": "2"})

    # when sending / then it is retryable after 2 seconds
    with pytest.raises(SendError) as caught:
        client.send(text())
    assert (caught.value.retryable, caught.value.retry_after) == (True, 2.0)


def test_other_4xx_is_final_with_the_api_message(client, fake_cloud_api):  # noqa: F811
    # given a 400 with an unmapped code
    fake_cloud_api.fail_next(status=400, error_code=100, message="Invalid parameter: to")

    # when sending / then the API's own words are the reason, no retry
    with pytest.raises(SendError) as caught:
        client.send(text())
    assert (caught.value.code, caught.value.reason, caught.value.retryable) == (
        "100",
        "Invalid parameter: to",
        False,
    )


def test_wrong_token_is_401_code_190(fake_cloud_api):  # noqa: F811
    # given a client with a stale token
    api = CloudApiClient(fake_cloud_api.url, DEFAULT_PHONE_NUMBER_ID, "stale")

    # when sending / then the token error is final
    with api, pytest.raises(SendError) as caught:
        api.send(text())
    assert (caught.value.code, caught.value.reason, caught.value.retryable) == (
        "190",
        "access token invalid or expired",
        False,
    )
    assert fake_cloud_api.sent_messages() == []


def test_timeout_is_retryable(fake_cloud_api):  # noqa: F811
    # given the API takes longer than the client's timeout
    fake_cloud_api.slow_next(1.0)
    api = CloudApiClient(
        fake_cloud_api.url, DEFAULT_PHONE_NUMBER_ID, fake_cloud_api.access_token, timeout=0.2
    )

    # when sending
    with api, pytest.raises(SendError) as caught:
        api.send(text())

    # then the error is retryable
    assert (caught.value.code, caught.value.retryable) == ("timeout", True)


def test_connection_refused_is_retryable():
    # given nothing listens at the base URL (port 9 on localhost: discard, normally closed)
    api = CloudApiClient("http://127.0.0.1:9", DEFAULT_PHONE_NUMBER_ID, "t", timeout=1)

    # when sending / then it is a retryable connection error
    with api, pytest.raises(SendError) as caught:
        api.send(text())
    assert (caught.value.code, caught.value.retryable) == ("connection", True)


def test_accepted_without_id_is_not_retried():
    # given an API that answers 200 with no message id
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"messages": []}))
    api = CloudApiClient(
        "https://graph.test/v23.0", "1", "t", http=httpx.Client(transport=transport)
    )

    # when sending / then it is final: retrying could deliver twice
    with api, pytest.raises(SendError) as caught:
        api.send(text())
    assert (caught.value.code, caught.value.retryable) == ("no_message_id", False)


# -- media ---------------------------------------------------------------------------------------


def test_fetch_media_with_token(client, fake_cloud_api):  # noqa: F811
    # given an inbound image the API holds
    fake_cloud_api.add_media("1003383421387256", b"\xff\xd8jpeg-bytes", "image/jpeg")

    # when fetched by media id
    content, mime = client.fetch_media(MediaRef(provider_media_id="1003383421387256"))

    # then the bytes and mime come back, both requests carried the bearer token
    assert (content, mime) == (b"\xff\xd8jpeg-bytes", "image/jpeg")
    assert [(r.method, r.path) for r in fake_cloud_api.requests] == [
        ("GET", "/1003383421387256"),
        ("GET", "/media-bytes/1003383421387256"),
    ]
    assert {r.headers["authorization"] for r in fake_cloud_api.requests} == {
        f"Bearer {fake_cloud_api.access_token}"
    }


def test_fetch_media_without_valid_token_is_401(fake_cloud_api):  # noqa: F811
    # given media exists but the client's token is wrong
    fake_cloud_api.add_media("m1", b"data", "audio/ogg")
    api = CloudApiClient(fake_cloud_api.url, DEFAULT_PHONE_NUMBER_ID, "wrong")

    # when fetched / then the token error is final
    with api, pytest.raises(SendError) as caught:
        api.fetch_media(MediaRef(provider_media_id="m1"))
    assert (caught.value.code, caught.value.retryable) == ("190", False)


def test_media_bytes_url_itself_needs_the_token(fake_cloud_api):  # noqa: F811
    # given the download URL the API hands out
    fake_cloud_api.add_media("m2", b"data", "audio/ogg")

    # when fetched without Authorization
    response = httpx.get(f"{fake_cloud_api.url}/media-bytes/m2")

    # then it is refused with Graph code 190
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 190


def test_fetch_unknown_media_is_final(client):
    # given a media id the API does not know
    # when fetched / then a non-retryable error
    with pytest.raises(SendError) as caught:
        client.fetch_media(MediaRef(provider_media_id="nope"))
    assert (caught.value.code, caught.value.retryable) == ("100", False)


def test_fetch_media_500_is_retryable(client, fake_cloud_api):  # noqa: F811
    # given the media lookup fails once with 503
    fake_cloud_api.add_media("m3", b"data", "image/png")
    fake_cloud_api.fail_next(status=503, path=r"^GET /m3$")

    # when fetched twice
    with pytest.raises(SendError) as caught:
        client.fetch_media(MediaRef(provider_media_id="m3"))
    content, mime = client.fetch_media(MediaRef(provider_media_id="m3"))

    # then the first is retryable and the second succeeds
    assert caught.value.retryable is True
    assert (content, mime) == (b"data", "image/png")
