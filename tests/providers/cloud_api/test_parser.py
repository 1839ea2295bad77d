import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ventanilla.providers.base import InboundMessage, MediaRef, ParsedWebhook, StatusUpdate
from ventanilla.providers.cloud_api.parser import parse_webhook, parse_webhook_body

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp" / "cloud-api"

LINE = "106540352242922"
PHONE = "16505551234"
USER_ID = "US.13491208655302741918"
NAME = "Sheena Nelson"
T73 = datetime(2025, 6, 15, 23, 27, 53, tzinfo=UTC)  # "1750030073"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def msg(provider_message_id: str, type: str, **fields) -> InboundMessage:
    """An InboundMessage from Sheena Nelson on the fixtures' line, unless told otherwise."""
    base = {
        "from_phone": PHONE,
        "from_user_id": USER_ID,
        "profile_name": NAME,
        "timestamp": T73,
        "line_key": LINE,
    }
    base.update(fields)
    return InboundMessage(provider_message_id=provider_message_id, type=type, **base)


def status(status_value: str, unix: int, **fields) -> StatusUpdate:
    base = {
        "provider_message_id": "wamid.OUTBOUND001",
        "recipient": PHONE,
        "line_key": LINE,
        "timestamp": datetime.fromtimestamp(unix, tz=UTC),
    }
    base.update(fields)
    return StatusUpdate(status=status_value, **base)


def parser_note(title: str, where: str, line_key: str = LINE) -> dict:
    return {
        "source": "parser",
        "code": "malformed",
        "title": title,
        "where": where,
        "line_key": line_key,
    }


EXPECTED = {
    "text.json": ParsedWebhook(
        messages=[msg("wamid.TEXT001", "text", text="Where is my order #1234?")]
    ),
    "text_reply_context.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.TEXT002",
                "text",
                text="Yes, that one",
                reply_to_provider_id="wamid.OUTBOUND001",
            )
        ]
    ),
    "image.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.IMG001",
                "image",
                text="Broken item",
                media=MediaRef(
                    provider_media_id="1003383421387256",
                    mime_type="image/jpeg",
                    sha256="sXv3n6wq5tRkW3kq1xk8Q0S3mY9lq5b0Kx2m1x4yYk0=",
                ),
            )
        ]
    ),
    "audio_voice.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.AUD001",
                "voice",
                media=MediaRef(
                    provider_media_id="1003383421387257",
                    mime_type="audio/ogg; codecs=opus",
                    sha256="b1R2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v=",
                    voice=True,
                ),
            )
        ]
    ),
    "audio_file.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.AUD002",
                "audio",
                media=MediaRef(
                    provider_media_id="1003383421387299", mime_type="audio/mpeg", sha256="bXAz"
                ),
            )
        ]
    ),
    "video.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.VID001",
                "video",
                text="Unboxing",
                media=MediaRef(
                    provider_media_id="1003383421387258",
                    mime_type="video/mp4",
                    sha256="c1R2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v=",
                ),
            )
        ]
    ),
    "document.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.DOC001",
                "document",
                text="Invoice",
                media=MediaRef(
                    provider_media_id="1003383421387259",
                    mime_type="application/pdf",
                    filename="invoice-1234.pdf",
                    sha256="d1R2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v=",
                ),
            )
        ]
    ),
    "sticker.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.STK001",
                "sticker",
                media=MediaRef(
                    provider_media_id="1003383421387260",
                    mime_type="image/webp",
                    sha256="e1R2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v=",
                ),
            )
        ]
    ),
    "location.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.LOC001",
                "location",
                payload={
                    "latitude": 37.483307,
                    "longitude": -122.148981,
                    "name": "Pablo Morales",
                    "address": "1 Hacker Way, Menlo Park, CA 94025",
                    "url": "https://example.com",
                },
            )
        ]
    ),
    "contacts.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.CON001",
                "contacts",
                payload={
                    "contacts": [
                        {
                            "name": {
                                "formatted_name": "Pablo Morales",
                                "first_name": "Pablo",
                                "last_name": "Morales",
                            },
                            "phones": [
                                {"phone": "+1 (650) 555-1234", "type": "CELL", "wa_id": PHONE}
                            ],
                            "emails": [{"email": "pablo@example.com", "type": "WORK"}],
                        }
                    ]
                },
            )
        ]
    ),
    "interactive_button_reply.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.BTN001",
                "interactive",
                text="Cancel order",
                payload={
                    "kind": "button_reply",
                    "id": "order:1234:cancel",
                    "title": "Cancel order",
                },
                reply_to_provider_id="wamid.OUTBOUND002",
            )
        ]
    ),
    "interactive_list_reply.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.LST001",
                "interactive",
                text="Billing",
                payload={
                    "kind": "list_reply",
                    "id": "topic:billing",
                    "title": "Billing",
                    "description": "Invoices, refunds, payments",
                },
                reply_to_provider_id="wamid.OUTBOUND003",
            )
        ]
    ),
    "button_template_quick_reply.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.TPB001",
                "interactive",
                text="Stop promotions",
                payload={
                    "kind": "button",
                    "id": "STOP_PROMOS",
                    "title": "Stop promotions",
                    "payload": "STOP_PROMOS",
                },
                reply_to_provider_id="wamid.OUTBOUND004",
            )
        ]
    ),
    "reaction.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.RCT001",
                "reaction",
                text="👍",
                payload={"emoji": "👍", "message_id": "wamid.OUTBOUND005"},
            )
        ]
    ),
    "system_user_changed_number.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.SYS001",
                "system",
                from_user_id="",
                profile_name="",
                text="User A changed from 16505551234 to 16505559999",
                payload={
                    "system": {
                        "body": "User A changed from 16505551234 to 16505559999",
                        "wa_id": "16505559999",
                        "type": "user_changed_number",
                    }
                },
            )
        ]
    ),
    "unknown_type.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.UNK001",
                "unsupported",
                payload={
                    "original_type": "hologram",
                    "raw": {
                        "from": PHONE,
                        "from_user_id": USER_ID,
                        "id": "wamid.UNK001",
                        "timestamp": "1750030073",
                        "type": "hologram",
                        "hologram": {"shape": "cube"},
                    },
                },
            )
        ]
    ),
    "unsupported.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.UNS001",
                "unsupported",
                payload={
                    "original_type": "unsupported",
                    "raw": {
                        "from": PHONE,
                        "from_user_id": USER_ID,
                        "id": "wamid.UNS001",
                        "timestamp": "1750030073",
                        "type": "unsupported",
                        "errors": [
                            {
                                "code": 131051,
                                "title": "Message type unknown",
                                "message": "Message type unknown",
                                "error_data": {
                                    "details": "Message type is currently not supported."
                                },
                            }
                        ],
                    },
                },
            )
        ]
    ),
    "status_sent.json": ParsedWebhook(statuses=[status("sent", 1750030074)]),
    "status_delivered.json": ParsedWebhook(statuses=[status("delivered", 1750030076)]),
    "status_read.json": ParsedWebhook(statuses=[status("read", 1750030080)]),
    "status_failed_131026.json": ParsedWebhook(
        statuses=[
            status(
                "failed",
                1750030075,
                error_code="131026",
                error_title="Message undeliverable",
            )
        ]
    ),
    "status_delivered_user_id_only.json": ParsedWebhook(
        statuses=[
            status(
                "delivered",
                1775000010,
                provider_message_id="wamid.OUTBSUID1",
                recipient="AR.40500000000000000001",
            )
        ]
    ),
    "legacy_no_user_ids.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.LEGACY001",
                "text",
                from_phone="5491144445555",
                from_user_id="",
                profile_name="Ana Legacy",
                text="Mensaje sin user id",
                timestamp=datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC),
            )
        ]
    ),
    "user_id_without_phone.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.BSUID001",
                "text",
                from_phone="",
                from_user_id="AR.40500000000000000001",
                profile_name="Usuario Oculto",
                text="No ven mi número",
                timestamp=datetime(2026, 3, 31, 23, 33, 20, tzinfo=UTC),
            )
        ]
    ),
    "value_errors.json": ParsedWebhook(
        errors=[
            {
                "source": "provider",
                "code": "131000",
                "title": "Something went wrong",
                "message": "Something went wrong",
                "details": "Message failed to send because of an unknown error.",
                "line_key": LINE,
            }
        ]
    ),
    "batch_messages_and_statuses.json": ParsedWebhook(
        messages=[
            msg(
                "wamid.BATCH001",
                "text",
                from_phone="5491122334455",
                from_user_id="AR.40512345678901234567",
                profile_name="Lucía Gómez",
                text="Hola, necesito ayuda",
                timestamp=datetime.fromtimestamp(1750030100, tz=UTC),
            ),
            msg(
                "wamid.BATCH002",
                "image",
                from_phone="5491166778899",
                from_user_id="AR.40598765432109876543",
                profile_name="Marcos Díaz",
                media=MediaRef(
                    provider_media_id="2003383421387001", mime_type="image/png", sha256="aGFzaA=="
                ),
                timestamp=datetime.fromtimestamp(1750030101, tz=UTC),
            ),
            msg(
                "wamid.BATCH003",
                "text",
                from_phone="5491122334455",
                from_user_id="AR.40512345678901234567",
                profile_name="Lucía Gómez",
                text="¿Siguen ahí?",
                timestamp=datetime.fromtimestamp(1750030102, tz=UTC),
            ),
            msg(
                "wamid.BATCH004",
                "text",
                from_phone="5491100001111",
                from_user_id="",
                profile_name="Otra Línea",
                text="Mensaje a la segunda línea",
                timestamp=datetime.fromtimestamp(1750030105, tz=UTC),
                line_key="106540352249999",
            ),
        ],
        statuses=[
            status(
                "delivered",
                1750030103,
                provider_message_id="wamid.OUTBATCH1",
                recipient="5491122334455",
            ),
            status(
                "read", 1750030104, provider_message_id="wamid.OUTBATCH1", recipient="5491122334455"
            ),
        ],
    ),
    "partly_malformed.json": ParsedWebhook(
        messages=[msg("wamid.OK001", "text", text="Sobreviví", timestamp=None)],
        errors=[
            parser_note("message has no id", "entry[0].changes[0].value.messages[1]"),
            parser_note("message is not an object", "entry[0].changes[0].value.messages[2]"),
            parser_note("unknown status 'exploded'", "entry[0].changes[0].value.statuses[0]"),
            parser_note("value is missing or not an object", "entry[1].changes[0].value", ""),
            parser_note(
                "message has neither a sender phone nor a sender user id",
                "entry[1].changes[1].value.messages[0]",
            ),
            parser_note("entry is not an object", "entry[2]", ""),
        ],
    ),
}


def test_every_fixture_has_an_expectation():
    # given the fixture folder
    on_disk = {path.name for path in FIXTURES.glob("*.json")}

    # then every file is covered by EXPECTED and nothing expected is missing
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_exact_result(name):
    # given a webhook body as Meta sends it
    body = load(name)

    # when it is parsed
    parsed = parse_webhook(body)

    # then every field is exactly as expected
    assert parsed == EXPECTED[name]


def test_parse_webhook_body_decodes_raw_bytes():
    # given the raw bytes of a fixture
    raw = (FIXTURES / "text.json").read_bytes()

    # when parsed from bytes
    parsed = parse_webhook_body(raw)

    # then it equals parsing the decoded JSON
    assert parsed == EXPECTED["text.json"]


def test_parse_webhook_body_reports_invalid_json():
    # given bytes that are not JSON
    raw = b'{"object": "whatsapp_business_account", "entry": ['

    # when parsed
    parsed = parse_webhook_body(raw)

    # then nothing is produced and the problem is noted
    assert parsed == ParsedWebhook(errors=[parser_note("body is not valid JSON", "body", "")])


def test_timestamp_is_aware_utc():
    # given the text fixture
    parsed = parse_webhook(load("text.json"))

    # then its timestamp is an aware UTC datetime of the unix seconds it carried
    stamp = parsed.messages[0].timestamp
    assert stamp.tzinfo is UTC
    assert stamp.timestamp() == 1750030073


def test_phone_is_completed_from_contacts_when_message_only_has_user_id():
    # given a message with only from_user_id whose contact entry does carry the phone
    body = load("text.json")
    del body["entry"][0]["changes"][0]["value"]["messages"][0]["from"]

    # when parsed
    message = parse_webhook(body).messages[0]

    # then the phone comes from contacts[].wa_id matched by user id
    assert (message.from_phone, message.from_user_id, message.profile_name) == (
        PHONE,
        USER_ID,
        NAME,
    )


def test_other_webhook_fields_are_ignored_without_errors():
    # given an account notification (not a messages field)
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}],
            }
        ],
    }

    # when parsed
    parsed = parse_webhook(body)

    # then nothing is produced and nothing is reported
    assert parsed == ParsedWebhook()


def test_reaction_removed_has_empty_emoji():
    # given a reaction without emoji (the customer removed it)
    body = load("reaction.json")
    del body["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]["emoji"]

    # when parsed
    message = parse_webhook(body).messages[0]

    # then the reaction is kept with an empty emoji
    assert (message.type, message.text, message.payload) == (
        "reaction",
        "",
        {"emoji": "", "message_id": "wamid.OUTBOUND005"},
    )


def test_known_type_with_broken_part_becomes_unsupported():
    # given a "text" message whose text part is a string instead of an object
    body = load("text.json")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"] = "plain"

    # when parsed
    message = parse_webhook(body).messages[0]

    # then it is kept as unsupported with the raw part
    assert message.type == "unsupported"
    assert message.payload["original_type"] == "text"
    assert message.payload["raw"]["text"] == "plain"


@pytest.mark.parametrize(
    ("body", "title", "where"),
    [
        (None, "body is not a JSON object", "body"),
        ([], "body is not a JSON object", "body"),
        ("entry", "body is not a JSON object", "body"),
        (42, "body is not a JSON object", "body"),
        ({}, "entry is missing or not a list", "entry"),
        ({"entry": {"changes": []}}, "entry is missing or not a list", "entry"),
        ({"entry": [{"id": "1"}]}, "changes is missing or not a list", "entry[0].changes"),
        ({"entry": [{"changes": "x"}]}, "changes is missing or not a list", "entry[0].changes"),
        ({"entry": [{"changes": [7]}]}, "change is not an object", "entry[0].changes[0]"),
        (
            {"entry": [{"changes": [{"field": "messages"}]}]},
            "value is missing or not an object",
            "entry[0].changes[0].value",
        ),
    ],
)
def test_malformed_bodies_never_raise(body, title, where):
    # given a malformed body
    # when parsed
    parsed = parse_webhook(body)

    # then nothing is produced and the broken part is noted
    assert parsed == ParsedWebhook(errors=[parser_note(title, where, "")])


def test_missing_phone_number_id_is_noted_but_messages_kept():
    # given a message webhook without metadata
    body = load("text.json")
    del body["entry"][0]["changes"][0]["value"]["metadata"]

    # when parsed
    parsed = parse_webhook(body)

    # then the message is kept with no line key and the gap is noted
    assert [m.provider_message_id for m in parsed.messages] == ["wamid.TEXT001"]
    assert parsed.messages[0].line_key == ""
    assert parsed.errors == [
        parser_note("metadata.phone_number_id is missing", "entry[0].changes[0].value.metadata", "")
    ]


def test_wrong_types_inside_parts_do_not_raise():
    # given a message whose fields have the wrong JSON types everywhere
    body = load("location.json")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = {"x": 1}
    message["context"] = ["wamid.X"]
    message["location"] = {"latitude": "north", "longitude": None, "name": 5, "address": []}
    body["entry"][0]["changes"][0]["value"]["contacts"] = [None, {"profile": "x", "wa_id": PHONE}]

    # when parsed
    parsed = parse_webhook(body)

    # then the message survives with the unusable values emptied
    assert parsed.messages == [
        msg(
            "wamid.LOC001",
            "location",
            profile_name="",
            timestamp=None,
            payload={"latitude": None, "longitude": None, "name": "5", "address": ""},
        )
    ]
    assert parsed.errors == []


# -- property tests ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)

KEYS = [
    "object",
    "entry",
    "changes",
    "value",
    "field",
    "metadata",
    "phone_number_id",
    "contacts",
    "messages",
    "statuses",
    "errors",
    "id",
    "from",
    "from_user_id",
    "wa_id",
    "user_id",
    "profile",
    "name",
    "type",
    "timestamp",
    "text",
    "body",
    "image",
    "audio",
    "voice",
    "interactive",
    "button_reply",
    "list_reply",
    "button",
    "reaction",
    "context",
    "status",
    "code",
    "title",
    "location",
    "latitude",
    "system",
]


@st.composite
def mutated_fixture(draw):
    """A real fixture with random subtrees replaced by random JSON and random keys removed."""
    body = load(draw(st.sampled_from(sorted(EXPECTED))))

    def mutate(node):
        roll = draw(st.integers(0, 11))
        if roll == 0:
            return draw(json_values)
        if isinstance(node, dict):
            node = {k: mutate(v) for k, v in node.items() if draw(st.integers(0, 9)) != 0}
            if draw(st.integers(0, 5)) == 0:
                node[draw(st.sampled_from(KEYS))] = draw(json_values)
            return node
        if isinstance(node, list):
            return [mutate(item) for item in node]
        return node

    return mutate(body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_never_raises(body):
    # given any JSON value
    # when parsed
    parsed = parse_webhook(body)

    # then a ParsedWebhook comes back with well-typed contents
    assert isinstance(parsed, ParsedWebhook)
    assert all(isinstance(m, InboundMessage) for m in parsed.messages)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_mutated_webhooks_never_raise_and_stay_well_typed(body):
    # given a real webhook damaged at random
    # when parsed
    parsed = parse_webhook(body)

    # then it never raises, and everything it produced is usable by the pipeline
    assert not any(e.get("title", "").startswith("parser failure") for e in parsed.errors)
    for message in parsed.messages:
        assert isinstance(message.provider_message_id, str) and message.provider_message_id
        assert message.from_phone or message.from_user_id
        assert isinstance(message.text, str)
        assert isinstance(message.payload, dict)
        assert message.timestamp is None or message.timestamp.tzinfo is UTC
        json.dumps(message.payload)  # storable in a JSONField
    for update in parsed.statuses:
        assert update.status in ("sent", "delivered", "read", "failed")
        assert isinstance(update.provider_message_id, str) and update.provider_message_id


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_never_raise(raw):
    # given arbitrary bytes as a request body
    # when parsed from bytes
    parsed = parse_webhook_body(raw)

    # then a ParsedWebhook comes back
    assert isinstance(parsed, ParsedWebhook)


def test_a_status_keeps_the_reference_the_send_was_tagged_with():
    body = load("status_sent.json")
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = (
        "ventanilla-message:42"
    )

    (update,) = parse_webhook(body).statuses

    assert update.reference == "ventanilla-message:42"
