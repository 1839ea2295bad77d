"""Meta's webhook JSON -> provider-neutral dataclasses, tolerantly.

The shape is `object / entry[] / changes[] / value` where `value` carries
`metadata.phone_number_id`, `contacts[]`, `messages[]`, `statuses[]` and `errors[]`. Since 2026
Meta adds business-scoped user ids (`contacts[].user_id`, `messages[].from_user_id`,
`statuses[].recipient_user_id`) and may omit the phone (`from`, `wa_id`, `recipient_id`).

Nothing in here raises on bad input: a broken part is skipped and described in
`ParsedWebhook.errors` with `"source": "parser"`; errors Meta itself reported (value-level
`errors[]`) are there with `"source": "provider"`.
"""

import json
from typing import Any

from ventanilla.providers.base import InboundMessage, MediaRef, ParsedWebhook, StatusUpdate
from ventanilla.providers.values import as_number, as_text, as_unix_time

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
STATUS_VALUES = ("sent", "delivered", "read", "failed")
MESSAGE_FIELDS = ("messages", "")  # change.field values that carry messages and statuses


def parse_webhook_body(raw_body: bytes) -> ParsedWebhook:
    """Decode raw bytes (after the signature check) and parse; bad JSON gives a parser error."""
    try:
        body = json.loads(raw_body)
    except (ValueError, TypeError, RecursionError):
        return ParsedWebhook(errors=[_note("", "body", "body is not valid JSON")])
    return parse_webhook(body)


def parse_webhook(body: Any) -> ParsedWebhook:
    """Every message, status and provider error of one webhook body, in body order."""
    result = ParsedWebhook()
    try:
        _parse_body(body, result)
    except Exception as exc:  # a last guard: a parser bug must not lose the whole webhook
        result.errors.append(_note("", "body", f"parser failure: {type(exc).__name__}"))
    return result


def _parse_body(body: Any, result: ParsedWebhook) -> None:
    if not isinstance(body, dict):
        result.errors.append(_note("", "body", "body is not a JSON object"))
        return
    entries = body.get("entry")
    if not isinstance(entries, list):
        result.errors.append(_note("", "entry", "entry is missing or not a list"))
        return
    for e, entry in enumerate(entries):
        where = f"entry[{e}]"
        if not isinstance(entry, dict):
            result.errors.append(_note("", where, "entry is not an object"))
            continue
        changes = entry.get("changes")
        if not isinstance(changes, list):
            result.errors.append(_note("", f"{where}.changes", "changes is missing or not a list"))
            continue
        for c, change in enumerate(changes):
            _parse_change(change, f"{where}.changes[{c}]", result)


def _parse_change(change: Any, where: str, result: ParsedWebhook) -> None:
    if not isinstance(change, dict):
        result.errors.append(_note("", where, "change is not an object"))
        return
    field_name = change.get("field", "")
    if field_name not in MESSAGE_FIELDS:
        return  # account, template and echo notifications are not ours to parse here
    value = change.get("value")
    if not isinstance(value, dict):
        result.errors.append(_note("", f"{where}.value", "value is missing or not an object"))
        return
    metadata = value.get("metadata")
    line_key = as_text(metadata.get("phone_number_id")) if isinstance(metadata, dict) else ""
    if not line_key:
        result.errors.append(
            _note("", f"{where}.value.metadata", "metadata.phone_number_id is missing")
        )

    contacts = _contacts(value.get("contacts"))

    for key, parse_one, out in (
        ("messages", _message, result.messages),
        ("statuses", _status, result.statuses),
    ):
        items = value.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            result.errors.append(_note(line_key, f"{where}.value.{key}", f"{key} is not a list"))
            continue
        for i, item in enumerate(items):
            item_where = f"{where}.value.{key}[{i}]"
            try:
                parsed = parse_one(item, line_key, contacts)
            except _Skip as skip:
                result.errors.append(_note(line_key, item_where, str(skip)))
                continue
            except Exception as exc:  # keep the rest of the batch
                result.errors.append(
                    _note(line_key, item_where, f"parser failure: {type(exc).__name__}")
                )
                continue
            out.append(parsed)

    errors = value.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict):
                result.errors.append(_provider_error(error, line_key))
    elif errors is not None:
        result.errors.append(_note(line_key, f"{where}.value.errors", "errors is not a list"))


class _Skip(Exception):
    """This item cannot be used; the message says why."""


class _Contacts:
    def __init__(self) -> None:
        self.by_phone: dict[str, dict] = {}
        self.by_user_id: dict[str, dict] = {}
        self.only: dict | None = None


def _contacts(raw: Any) -> _Contacts:
    found = _Contacts()
    if not isinstance(raw, list):
        return found
    usable = [c for c in raw if isinstance(c, dict)]
    for contact in usable:
        phone, user_id = as_text(contact.get("wa_id")), as_text(contact.get("user_id"))
        if phone:
            found.by_phone.setdefault(phone, contact)
        if user_id:
            found.by_user_id.setdefault(user_id, contact)
    if len(usable) == 1:
        found.only = usable[0]
    return found


def _sender(msg: dict, contacts: _Contacts) -> tuple[str, str, str]:
    """(phone, user id, profile name) of who sent `msg`, completed from `contacts[]`."""
    phone, user_id = as_text(msg.get("from")), as_text(msg.get("from_user_id"))
    contact = (phone and contacts.by_phone.get(phone)) or (
        user_id and contacts.by_user_id.get(user_id)
    )
    if not contact and not phone and not user_id:
        contact = contacts.only
    if not isinstance(contact, dict):
        contact = {}
    phone = phone or as_text(contact.get("wa_id"))
    user_id = user_id or as_text(contact.get("user_id"))
    profile = contact.get("profile")
    name = as_text(profile.get("name")) if isinstance(profile, dict) else ""
    return phone, user_id, name


def _message(msg: Any, line_key: str, contacts: _Contacts) -> InboundMessage:
    if not isinstance(msg, dict):
        raise _Skip("message is not an object")
    message_id = as_text(msg.get("id"))
    if not message_id:
        raise _Skip("message has no id")
    phone, user_id, name = _sender(msg, contacts)
    if not phone and not user_id:
        raise _Skip("message has neither a sender phone nor a sender user id")

    kind = as_text(msg.get("type"))
    msg_type, text, media, payload = _content(kind, msg)
    referral = msg.get("referral")
    if isinstance(referral, dict):
        payload["referral"] = referral  # click-to-WhatsApp ad the customer came from

    context = msg.get("context")
    reply_to = as_text(context.get("id")) if isinstance(context, dict) else ""
    return InboundMessage(
        provider_message_id=message_id,
        from_phone=phone,
        from_user_id=user_id,
        profile_name=name,
        type=msg_type,
        text=text,
        media=media,
        payload=payload,
        reply_to_provider_id=reply_to,
        timestamp=as_unix_time(msg.get("timestamp")),
        line_key=line_key,
    )


def _content(kind: str, msg: dict) -> tuple[str, str, MediaRef | None, dict]:
    """(type, text, media, payload) for one message part; unknown shapes become unsupported."""
    part = msg.get(kind) if kind else None
    if kind == "text" and isinstance(part, dict):
        return "text", as_text(part.get("body")), None, {}
    if kind in MEDIA_TYPES and isinstance(part, dict):
        return _media(kind, part)
    if kind == "location" and isinstance(part, dict):
        payload = {
            "latitude": as_number(part.get("latitude")),
            "longitude": as_number(part.get("longitude")),
            "name": as_text(part.get("name")),
            "address": as_text(part.get("address")),
        }
        if as_text(part.get("url")):
            payload["url"] = as_text(part.get("url"))
        return "location", "", None, payload
    if kind == "contacts" and isinstance(part, list):
        cards = [card for card in part if isinstance(card, dict)]
        return "contacts", "", None, {"contacts": cards}
    if kind == "interactive" and isinstance(part, dict):
        reply = _interactive(part)
        if reply is not None:
            return "interactive", reply.get("title", ""), None, reply
    if kind == "button" and isinstance(part, dict):
        button_payload, button_text = as_text(part.get("payload")), as_text(part.get("text"))
        payload = {"kind": "button", "id": button_payload, "title": button_text}
        payload["payload"] = button_payload
        return "interactive", button_text, None, payload
    if kind == "reaction" and isinstance(part, dict):
        emoji = as_text(part.get("emoji"))  # "" when the customer removed the reaction
        return (
            "reaction",
            emoji,
            None,
            {"emoji": emoji, "message_id": as_text(part.get("message_id"))},
        )
    if kind == "system" and isinstance(part, dict):
        return "system", as_text(part.get("body")), None, {"system": part}
    return "unsupported", "", None, {"original_type": kind, "raw": msg}


def _media(kind: str, part: dict) -> tuple[str, str, MediaRef | None, dict]:
    voice = kind == "audio" and part.get("voice") is True
    media_id, url = as_text(part.get("id")), as_text(part.get("url"))
    media = None
    if media_id or url:
        media = MediaRef(
            provider_media_id=media_id,
            url=url,
            mime_type=as_text(part.get("mime_type")),
            filename=as_text(part.get("filename")),
            sha256=as_text(part.get("sha256")),
            voice=voice,
        )
    payload = {"animated": True} if kind == "sticker" and part.get("animated") is True else {}
    return ("voice" if voice else kind), as_text(part.get("caption")), media, payload


def _interactive(part: dict) -> dict | None:
    kind = as_text(part.get("type"))
    reply = part.get(kind) if kind in ("button_reply", "list_reply") else None
    if isinstance(reply, dict):
        payload = {
            "kind": kind,
            "id": as_text(reply.get("id")),
            "title": as_text(reply.get("title")),
        }
        if kind == "list_reply":
            payload["description"] = as_text(reply.get("description"))
        return payload
    if kind == "nfm_reply" and isinstance(part.get("nfm_reply"), dict):  # WhatsApp Flows
        nfm = part["nfm_reply"]
        return {
            "kind": "nfm_reply",
            "title": as_text(nfm.get("body")),
            "name": as_text(nfm.get("name")),
            "response_json": as_text(nfm.get("response_json")),
        }
    return None


def _status(raw: Any, line_key: str, contacts: _Contacts) -> StatusUpdate:
    if not isinstance(raw, dict):
        raise _Skip("status is not an object")
    message_id = as_text(raw.get("id"))
    if not message_id:
        raise _Skip("status has no message id")
    status = as_text(raw.get("status"))
    if status not in STATUS_VALUES:
        raise _Skip(f"unknown status {status[:40]!r}")
    code = title = ""
    errors = raw.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        code = as_text(errors[0].get("code"))
        title = as_text(errors[0].get("title")) or as_text(errors[0].get("message"))
    recipient = as_text(raw.get("recipient_id")) or as_text(raw.get("recipient_user_id"))
    return StatusUpdate(
        provider_message_id=message_id,
        status=status,
        timestamp=as_unix_time(raw.get("timestamp")),
        error_code=code,
        error_title=title,
        recipient=recipient,
        line_key=line_key,
        reference=as_text(raw.get("biz_opaque_callback_data")),
    )


def _provider_error(error: dict, line_key: str) -> dict:
    data = error.get("error_data")
    return {
        "source": "provider",
        "code": as_text(error.get("code")),
        "title": as_text(error.get("title")),
        "message": as_text(error.get("message")),
        "details": as_text(data.get("details")) if isinstance(data, dict) else "",
        "line_key": line_key,
    }


def _note(line_key: str, where: str, title: str) -> dict:
    return {
        "source": "parser",
        "code": "malformed",
        "title": title,
        "where": where,
        "line_key": line_key,
    }


TEMPLATE_STATUS_FIELD = "message_template_status_update"


def template_status_updates(body: Any) -> list[dict]:
    """The `message_template_status_update` changes of a webhook body: for each, the account
    (`entry[].id`, the WABA id), the template's id, name and language, and its new status
    (`event`: APPROVED, REJECTED, PAUSED, DISABLED ...). Anything malformed is skipped."""
    updates: list[dict] = []
    entries = body.get("entry") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            if not isinstance(change, dict) or change.get("field") != TEMPLATE_STATUS_FIELD:
                continue
            value = change.get("value")
            if not isinstance(value, dict) or not as_text(value.get("event")):
                continue
            updates.append(
                {
                    "waba_id": as_text(entry.get("id")),
                    "provider_id": as_text(value.get("message_template_id")),
                    "name": as_text(value.get("message_template_name")),
                    "language": as_text(value.get("message_template_language")),
                    "status": as_text(value.get("event")),
                }
            )
    return updates
