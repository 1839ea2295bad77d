"""WPPConnect Server webhook bodies -> what the pipeline and the line's session understand.

WPPConnect Server posts one JSON object per event: `{"event": NAME, "session": SESSION, ...}`
with the event's own fields merged in. The parser is tolerant like the Cloud API one: it never
raises, an unknown message type becomes `type="unsupported"`, and what is ignored on purpose says
why (`WppEvent.ignored`) so the caller can count it.

- `onmessage` (and `unreadmessages`, sent on start when the server is configured to) -> one
  `InboundMessage`. Chats with a person only: group chats (`@g.us`), `status@broadcast` and other
  broadcasts, channels (`@newsletter`), our own messages and protocol notifications are ignored.
- `onack` -> one `StatusUpdate` (ack 1 sent, 2 delivered, 3 read, 4 played = read, negative =
  failed; 0, "waiting", says nothing). Only acks of messages we sent.
- `qrcode` -> `SessionEvent(state="qr", qr=...)`: the QR as a PNG data URL, or its text when the
  image is missing or not base64.
- `status-find`, `closesession`, `logoutsession` -> `SessionEvent(state=...)`.
- `incomingcall` -> `WppEvent.call`.
- `onreactionmessage` -> one `InboundMessage` of type "reaction" (a customer's; ours are ignored).
- everything else is ignored on purpose.

Ids: `NUMBER@c.us` (and `@s.whatsapp.net`) are phones, given as digits; `NUMBER@lid` are WhatsApp
user ids, kept whole (`"123...@lid"`) as `from_user_id`, so the contact found by one is tied to
the other when a message carries both.

Pure provider layer: no models, no database.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ventanilla.providers.base import InboundMessage, MediaRef, ParsedWebhook, StatusUpdate
from ventanilla.providers.values import as_number, as_text, as_unix_time

# Line states (the values of providers.models.LineState; the parser knows no models).
DISCONNECTED, QR, CONNECTING, CONNECTED, ERROR = (
    "disconnected",
    "qr",
    "connecting",
    "connected",
    "error",
)

# status-find values of WPPConnect (wppconnect's `statusFind` callback) -> line state.
STATUS_STATES = {
    # starting the browser and WhatsApp Web
    "initBrowser": CONNECTING,
    "openBrowser": CONNECTING,
    "connectBrowserWs": CONNECTING,
    "initWhatsapp": CONNECTING,
    "successPageWhatsapp": CONNECTING,
    "waitForLogin": CONNECTING,
    "waitChat": CONNECTING,
    # logged in: loading the chats, then ready
    "isLogged": CONNECTING,
    "qrReadSuccess": CONNECTING,
    "successChat": CONNECTED,
    "inChat": CONNECTED,
    "chatsAvailable": CONNECTED,
    # waiting for someone to scan the QR code
    "notLogged": QR,
    # ended
    "browserClose": DISCONNECTED,
    "autocloseCalled": DISCONNECTED,
    "desconnectedMobile": DISCONNECTED,
    "serverClose": DISCONNECTED,
    "deleteToken": DISCONNECTED,
    # failed
    "qrReadFail": ERROR,
    "qrReadError": ERROR,
    "phoneNotConnected": ERROR,
    "deviceNotConnected": ERROR,
    "serverWssNotConnected": ERROR,
    "noOpenBrowser": ERROR,
    "erroPageWhatsapp": ERROR,
    "unpaired": DISCONNECTED,
    "unpairedIdPhone": DISCONNECTED,
}

SESSION_ENDED_EVENTS = {"closesession": DISCONNECTED, "logoutsession": DISCONNECTED}
MESSAGE_EVENTS = ("onmessage", "unreadmessages")

MEDIA_TYPES = {
    "image": "image",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
    "audio": "audio",
    "ptt": "voice",  # a voice note: audio recorded in the chat
}
# Message types that are WhatsApp's own bookkeeping, not something a person wrote.
NOTIFICATION_TYPES = frozenset(
    {
        "e2e_notification",
        "notification",
        "notification_template",
        "gp2",
        "protocol",
        "revoked",
        "ciphertext",  # "waiting for this message": the real one follows with the same id
        "call_log",
        "broadcast_notification",
        "pinned_message",
        "keep_in_chat",
        "debug",
    }
)
ACK_STATUSES = {1: "sent", 2: "delivered", 3: "read", 4: "read"}
RAW_FIELD_MAX = 1000  # longer strings (base64 bodies, thumbnails) are left out of stored raws

_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_DATA_URL = re.compile(r"data:[^;,]*(?:;[^;,]*)*;base64,", re.IGNORECASE)
_PHONE_ID = re.compile(r"([0-9]{6,20})(?::[0-9]+)?@(?:c\.us|s\.whatsapp\.net)")
_LID = re.compile(r"[0-9]{6,30}(?::[0-9]+)?@lid")
_WAID = re.compile(r"waid=([0-9]+)", re.IGNORECASE)


@dataclass(frozen=True)
class SessionEvent:
    """A change of the line's WhatsApp Web session. `state` is "" when the event only carries a
    QR code (the QR itself means state "qr")."""

    state: str
    detail: str = ""
    qr: str = ""


@dataclass(frozen=True)
class WppEvent:
    event: str
    session: str = ""
    parsed: ParsedWebhook = field(default_factory=ParsedWebhook)
    session_event: SessionEvent | None = None
    call: dict | None = None
    ignored: str = ""  # why nothing of it is used: "group", "broadcast", "event:onpresencechanged"


def parse_event_body(raw_body: bytes) -> WppEvent:
    try:
        body = json.loads(raw_body)
    except (ValueError, TypeError, RecursionError):
        return WppEvent(event="", ignored="invalid_json")
    return parse_event(body)


def parse_event(body: Any) -> WppEvent:
    """What one webhook body means; never raises."""
    if not isinstance(body, dict):
        return WppEvent(event="", ignored="not_an_object")
    event = as_text(body.get("event"))
    session = as_text(body.get("session"))
    try:
        return _parse(event, session, body)
    except Exception as exc:  # a last guard: a parser bug must not turn into a 500
        note = {"source": "parser", "code": "malformed", "title": f"parser failure: {exc!r}"}
        return WppEvent(event=event, session=session, parsed=ParsedWebhook(errors=[note]))


def _parse(event: str, session: str, body: dict) -> WppEvent:
    if event in MESSAGE_EVENTS:
        message, ignored = _message(body)
        parsed = ParsedWebhook(messages=[message] if message else [])
        return WppEvent(event=event, session=session, parsed=parsed, ignored=ignored)
    if event == "onreactionmessage":
        message, ignored = _reaction(body)
        parsed = ParsedWebhook(messages=[message] if message else [])
        return WppEvent(event=event, session=session, parsed=parsed, ignored=ignored)
    if event == "onack":
        update, ignored = _ack(body)
        parsed = ParsedWebhook(statuses=[update] if update else [])
        return WppEvent(event=event, session=session, parsed=parsed, ignored=ignored)
    if event == "qrcode":
        qr = qr_data(as_text(body.get("qrcode")), as_text(body.get("urlcode")))
        if not qr:
            return WppEvent(event=event, session=session, ignored="qrcode_without_code")
        return WppEvent(event=event, session=session, session_event=SessionEvent("", "qrcode", qr))
    if event == "status-find":
        status = as_text(body.get("status"))
        state = STATUS_STATES.get(status)
        if state is None:
            return WppEvent(event=event, session=session, ignored=f"status:{status[:40]}")
        return WppEvent(event=event, session=session, session_event=SessionEvent(state, status))
    if event in SESSION_ENDED_EVENTS:
        return WppEvent(
            event=event, session=session, session_event=SessionEvent(DISCONNECTED, event)
        )
    if event == "incomingcall":
        return WppEvent(event=event, session=session, call=_call(body))
    return WppEvent(event=event, session=session, ignored=f"event:{event[:40] or '?'}")


# --- ids -----------------------------------------------------------------------------------------


def serialized(value: Any) -> str:
    """A WhatsApp id as WPPConnect serialises it, from a string or an `{"_serialized"}` object."""
    if isinstance(value, dict):
        return as_text(value.get("_serialized")) or as_text(value.get("id"))
    return as_text(value)


def phone_of(wid: str) -> str:
    """The digits of `NUMBER@c.us` (or `@s.whatsapp.net`), else ""."""
    match = _PHONE_ID.fullmatch(wid.strip())
    return match.group(1) if match else ""


def lid_of(wid: str) -> str:
    """`NUMBER@lid` without a device suffix, else ""."""
    wid = wid.strip()
    if not _LID.fullmatch(wid):
        return ""
    number = wid.split("@")[0].split(":")[0]
    return f"{number}@lid"


def chat_kind(chat_id: str) -> str:
    """ "group", "broadcast", "newsletter" for chats that are not a person, else ""."""
    chat_id = chat_id.strip().lower()
    if chat_id.endswith("@g.us"):
        return "group"
    if chat_id.endswith("@broadcast"):  # status@broadcast and broadcast lists
        return "broadcast"
    if chat_id.endswith("@newsletter"):
        return "newsletter"
    return ""


def chat_of_message_id(message_id: str) -> str:
    """The chat of a serialised message id: "false_5491122334455@c.us_3EB0..." -> the middle."""
    parts = message_id.split("_")
    if len(parts) >= 3 and parts[0] in ("true", "false"):
        return parts[1]
    return ""


# --- messages ------------------------------------------------------------------------------------


def _message(body: dict) -> tuple[InboundMessage | None, str]:
    chat = serialized(body.get("chatId")) or as_text(body.get("from"))
    sender = body.get("sender") if isinstance(body.get("sender"), dict) else {}
    for candidate in (chat, as_text(body.get("from")), as_text(body.get("to"))):
        kind = chat_kind(candidate)
        if kind:
            return None, kind
    if body.get("isGroupMsg") is True:
        return None, "group"
    if body.get("isStatusV3") is True or body.get("broadcast") is True:
        return None, "broadcast"
    if body.get("fromMe") is True or (
        isinstance(body.get("id"), dict) and body["id"].get("fromMe") is True
    ):
        return None, "from_me"
    kind = as_text(body.get("type"))
    if kind in NOTIFICATION_TYPES or body.get("isNotification") is True:
        return None, "notification"
    message_id = serialized(body.get("id"))
    if not message_id:
        return None, "no_id"

    phone, user_id = _identity(body, chat, sender)
    if not phone and not user_id:
        return None, "no_sender"

    msg_type, text, media, payload = _content(kind, body, message_id)
    return (
        InboundMessage(
            provider_message_id=message_id,
            from_phone=phone,
            from_user_id=user_id,
            profile_name=_profile_name(body, sender),
            type=msg_type,
            text=text,
            media=media,
            payload=payload,
            reply_to_provider_id=serialized(body.get("quotedMsgId")),
            timestamp=as_unix_time(body.get("t") or body.get("timestamp")),
            line_key=as_text(body.get("session")),
        ),
        "",
    )


def _reaction(body: dict) -> tuple[InboundMessage | None, str]:
    """A customer's reaction (wppconnect's `onReactionMessage`: `id` of the reaction, `msgId` of
    the message it reacts to, `reactionText`, "" when taken away, `timestamp`). Its id is made
    of the reaction's and its time: WhatsApp Web keeps one reaction id per person and message,
    and a changed reaction must not look like a repeated delivery."""
    reaction_id, target = serialized(body.get("id")), serialized(body.get("msgId"))
    if not reaction_id or not target:
        return None, "no_id"
    if reaction_id.startswith("true_"):
        return None, "from_me"
    chat = chat_of_message_id(reaction_id) or chat_of_message_id(target)
    if chat_kind(chat):
        return None, chat_kind(chat)
    phone, user_id = phone_of(chat), lid_of(chat)
    if not phone and not user_id:
        return None, "no_sender"
    emoji = as_text(body.get("reactionText"))
    moment = as_text(body.get("timestamp"))
    return (
        InboundMessage(
            provider_message_id=f"{reaction_id}.{moment}" if moment else reaction_id,
            from_phone=phone,
            from_user_id=user_id,
            profile_name="",
            type="reaction",
            text=emoji,
            payload={"emoji": emoji, "message_id": target},
            timestamp=as_unix_time(body.get("timestamp")),
            line_key=as_text(body.get("session")),
        ),
        "",
    )


def _identity(body: dict, chat: str, sender: dict) -> tuple[str, str]:
    """(phone digits, lid) of the person: from the chat, the sender, and the phone number some
    WPPConnect versions add next to a lid."""
    candidates = [
        chat,
        as_text(body.get("from")),
        serialized(sender.get("id")),
        serialized(body.get("author")),
        serialized(sender.get("phoneNumber")),
        serialized(sender.get("pn")),
        serialized(body.get("senderPn")),
        serialized(sender.get("lid")),
        serialized(body.get("senderLid")),
    ]
    phone = next((p for p in map(phone_of, candidates) if p), "")
    lid = next((u for u in map(lid_of, candidates) if u), "")
    return phone, lid


def _profile_name(body: dict, sender: dict) -> str:
    for value in (
        sender.get("pushname"),
        body.get("notifyName"),
        sender.get("verifiedName"),
        sender.get("name"),
    ):
        name = as_text(value).strip()
        if name:
            return name
    return ""


def _content(kind: str, body: dict, message_id: str) -> tuple[str, str, MediaRef | None, dict]:
    if kind == "chat":
        return "text", as_text(body.get("body")) or as_text(body.get("content")), None, {}
    if kind in MEDIA_TYPES:
        return _media(kind, body, message_id)
    if kind == "location":
        return "location", "", None, _location(body)
    if kind in ("vcard", "multi_vcard"):
        return "contacts", "", None, {"contacts": _cards(kind, body)}
    if kind in ("buttons_response", "list_response", "template_button_reply"):
        reply = _reply(kind, body)
        if reply is not None:
            return "interactive", reply["title"], None, reply
    return "unsupported", "", None, {"original_type": kind, "raw": _small(body)}


def _media(kind: str, body: dict, message_id: str) -> tuple[str, str, MediaRef | None, dict]:
    mime = as_text(body.get("mimetype"))
    declared = body.get("size") if isinstance(body.get("size"), int) else None
    content = inline_content(as_text(body.get("body")), declared)
    media = MediaRef(
        provider_media_id=message_id,  # get-media-by-message fetches it when not inline
        mime_type=mime,
        filename=as_text(body.get("filename")),
        sha256=as_text(body.get("filehash")),
        size=len(content) if content is not None else declared,
        content=content,
        voice=kind == "ptt",
    )
    payload = {}
    if kind == "sticker" and body.get("isAnimated") is True:
        payload["animated"] = True
    duration = as_text(body.get("duration"))
    if kind in ("audio", "ptt") and duration.isascii() and duration.isdigit():
        payload["duration"] = int(duration)
    return MEDIA_TYPES[kind], as_text(body.get("caption")), media, payload


def inline_content(value: str, declared_size: int | None = None) -> bytes | None:
    """The file WPPConnect put in `body` (base64, with webhook.autoDownload on), else None.

    Without autoDownload the body of an image or video is only its small preview: when the
    message declares its size and the bytes do not match it, they are a preview, not the file.
    """
    value = _DATA_URL.sub("", value.strip(), count=1)
    value = "".join(value.split())
    if not value or not _BASE64.fullmatch(value):
        return None
    try:
        content = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not content:
        return None
    if declared_size is not None and declared_size > 0 and len(content) != declared_size:
        return None
    return content


def _location(body: dict) -> dict:
    description = as_text(body.get("loc")) or as_text(body.get("comment"))
    name, _, address = description.partition("\n")
    payload = {
        "latitude": as_number(body.get("lat")),
        "longitude": as_number(body.get("lng")),
        "name": name.strip(),
        "address": address.strip(),
    }
    if body.get("isLive") is True:
        payload["live"] = True
    return payload


def _cards(kind: str, body: dict) -> list[dict]:
    if kind == "vcard":
        vcards = [(as_text(body.get("vcardFormattedName")), as_text(body.get("body")))]
    else:
        items = body.get("vcardList") if isinstance(body.get("vcardList"), list) else []
        vcards = [
            (as_text(item.get("displayName")), as_text(item.get("vcard")))
            for item in items
            if isinstance(item, dict)
        ]
    return [_card(name, vcard) for name, vcard in vcards if name or vcard]


def _card(display_name: str, vcard: str) -> dict:
    """A vCard in the shape of the Cloud API's contact cards, with the vCard itself kept."""
    name, phones = display_name, []
    for line in vcard.splitlines():
        key, _, value = line.partition(":")
        key_upper = key.upper()
        if key_upper == "FN" and not name:
            name = value.strip()
        elif key_upper.startswith("TEL") or key_upper.startswith("ITEM1.TEL"):
            phone = {"phone": value.strip()}
            waid = _WAID.search(key)
            if waid:
                phone["wa_id"] = waid.group(1)
            phones.append(phone)
    return {"name": {"formatted_name": name}, "phones": phones, "vcard": vcard[:5000]}


def _reply(kind: str, body: dict) -> dict | None:
    title = as_text(body.get("body")) or as_text(body.get("content"))
    if kind == "buttons_response":
        reply_id = as_text(body.get("selectedButtonId"))
        return {"kind": "button_reply", "id": reply_id, "title": title} if reply_id else None
    if kind == "template_button_reply":
        reply_id = as_text(body.get("selectedId"))
        return {"kind": "button_reply", "id": reply_id, "title": title} if reply_id else None
    response = body.get("listResponse") if isinstance(body.get("listResponse"), dict) else {}
    single = response.get("singleSelectReply")
    reply_id = as_text(single.get("selectedRowId")) if isinstance(single, dict) else ""
    if not reply_id:
        return None
    return {
        "kind": "list_reply",
        "id": reply_id,
        "title": as_text(response.get("title")) or title,
        "description": as_text(response.get("description")),
    }


def _small(body: dict) -> dict:
    """The body without its bulky parts (base64 files, thumbnails), for storing as raw."""
    small = {}
    for key, value in body.items():
        if isinstance(value, str) and len(value) > RAW_FIELD_MAX:
            continue
        if key in ("mediaData", "profilePicThumbObj", "sender"):
            continue
        small[key] = value
    return small


# --- acks, QR, calls -----------------------------------------------------------------------------


def _ack(body: dict) -> tuple[StatusUpdate | None, str]:
    raw_id = body.get("id")
    message_id = serialized(raw_id)
    if not message_id:
        return None, "no_id"
    from_me = raw_id.get("fromMe") if isinstance(raw_id, dict) else None
    if from_me is None:
        from_me = body.get("fromMe")
    if from_me is None:
        from_me = message_id.startswith("true_")
    if from_me is not True:
        return None, "ack_of_received"  # the customer's message was read by us: nothing to do
    chat = (
        (raw_id.get("remote") if isinstance(raw_id, dict) else None)
        or as_text(body.get("to"))
        or chat_of_message_id(message_id)
    )
    kind = chat_kind(serialized(chat))
    if kind:
        return None, kind
    ack = body.get("ack")
    if isinstance(ack, bool) or not isinstance(ack, int):
        return None, "ack_unknown"
    status = "failed" if ack < 0 else ACK_STATUSES.get(ack, "")
    if not status:
        return None, "ack_pending"
    recipient = phone_of(serialized(chat)) or lid_of(serialized(chat))
    return (
        StatusUpdate(
            provider_message_id=message_id,
            status=status,
            error_title="WhatsApp did not accept the message." if status == "failed" else "",
            error_code=str(ack) if status == "failed" else "",
            recipient=recipient,
            line_key=as_text(body.get("session")),
        ),
        "",
    )


def qr_data(qrcode: str, urlcode: str = "") -> str:
    """The QR as an image data URL; its text (`urlcode`) when there is no usable image."""
    qrcode = "".join(qrcode.split())
    if qrcode.lower().startswith("data:image/png;base64,"):
        qrcode = qrcode.split(",", 1)[1]
    if qrcode and _BASE64.fullmatch(qrcode):
        return f"data:image/png;base64,{qrcode}"
    return urlcode.strip()


def _call(body: dict) -> dict:
    peer = serialized(body.get("peerJid")) or serialized(body.get("sender"))
    return {
        "id": as_text(body.get("id")),
        "from_phone": phone_of(peer),
        "from_user_id": lid_of(peer),
        "video": body.get("isVideo") is True,
        "group": body.get("isGroup") is True or chat_kind(peer) == "group",
        "timestamp": as_unix_time(body.get("offerTime")),
    }


# --- values --------------------------------------------------------------------------------------
