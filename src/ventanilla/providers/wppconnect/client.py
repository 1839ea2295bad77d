"""A thin WPPConnect Server client on httpx: the session (token, start, status, QR, close, logout),
sending, marking as seen and fetching inbound media.

Authentication: `POST /api/{session}/{secret key}/generate-token` gives a bearer token for the
session; every other call sends `Authorization: Bearer <token>`. A missing token is generated on
first use and a refused one (401) is generated again once; `on_token(token)` lets the caller keep
it (the line's `wpp_token`).

Every failure is a `SendError`; `retryable` tells the outbox whether to try again (5xx, 429,
timeouts, connection errors, a session that is not running) or to record the failure.
"""

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from ventanilla.providers.base import MediaRef, OutboundMessage, SendError, SendResult
from ventanilla.providers.http import HttpClientOwner
from ventanilla.providers.wppconnect.errors import error_from_response
from ventanilla.providers.wppconnect.parser import (
    CONNECTED,
    CONNECTING,
    DISCONNECTED,
    QR,
    chat_of_message_id,
    lid_of,
    phone_of,
    qr_data,
    serialized,
)

TEXT_MAX = 65536  # WhatsApp Web's own limit; the desk's services allow far less
CAPTIONED = ("image", "video", "document")
FILE_TYPES = ("video", "document", "audio", "sticker")

# What WPPConnect Server reports as a session's status -> line state.
SERVER_STATES = {
    "CONNECTED": CONNECTED,
    "QRCODE": QR,
    "INITIALIZING": CONNECTING,
    "CLOSED": DISCONNECTED,
}


def _invalid(reason: str) -> SendError:
    return SendError(reason, code="invalid_message", retryable=False)


def _recipient(message: OutboundMessage) -> dict:
    """`phone` as WPPConnect wants it: the digits, with `isLid` for a WhatsApp user id."""
    digits = "".join(ch for ch in (message.to_phone or "") if ch.isdigit())
    if digits:
        return {"phone": digits, "isGroup": False}
    lid = lid_of(message.to_user_id or "")
    if lid:
        return {"phone": lid.split("@")[0], "isGroup": False, "isLid": True}
    if message.to_user_id:
        raise _invalid("the recipient's user id is not a WhatsApp Web id (NUMBER@lid)")
    raise _invalid("no recipient: neither a phone nor a WhatsApp user id")


def _menu_text(message: OutboundMessage) -> str:
    """An interactive message as the numbered text WhatsApp Web can show."""
    payload = message.payload if isinstance(message.payload, dict) else {}
    body = str(payload.get("body") or message.text or "").strip()
    options = payload.get("options") if isinstance(payload.get("options"), list) else []
    lines = []
    for number, option in enumerate(options, start=1):
        title = option.get("title") if isinstance(option, dict) else option
        if isinstance(title, str) and title.strip():
            lines.append(f"{number}. {' '.join(title.split())}")
    return "\n".join([body, "", *lines]).strip() if lines else body


def _data_url(media: MediaRef, fallback_mime: str) -> str:
    mime = (media.mime_type or fallback_mime).split(";")[0].strip() or fallback_mime
    return f"data:{mime};base64,{base64.b64encode(media.content or b'').decode()}"


def _media_source(message: OutboundMessage, key: str, fallback_mime: str) -> dict:
    """The file to send: inline base64 under `key` when the bytes are given, else a URL the
    WPPConnect Server downloads itself (`path`)."""
    media = message.media
    if media is not None and media.content:
        return {key: _data_url(media, fallback_mime)}
    if media is not None and media.url:
        return {"path": media.url}
    raise _invalid(f"{message.type} message without the file's bytes or URL")


def build_send_request(message: OutboundMessage) -> tuple[str, dict]:
    """(endpoint, JSON body) of the WPPConnect call that sends `message`.

    Raises a non-retryable SendError when the message cannot be expressed.
    """
    kind = message.type
    if kind == "reaction":  # on the message, not to a phone; False takes the reaction away
        payload = message.payload if isinstance(message.payload, dict) else {}
        target = payload.get("message_id") or message.reply_to_provider_id
        if not target:
            raise _invalid("reaction without the message it reacts to")
        return "react-message", {"msgId": target, "reaction": payload.get("emoji") or False}
    body: dict[str, Any] = _recipient(message)
    if kind in ("text", "interactive"):
        text = message.text if kind == "text" else _menu_text(message)
        if not (text or "").strip():
            raise _invalid("empty text message")
        if len(text) > TEXT_MAX:
            raise _invalid(f"text longer than {TEXT_MAX} characters")
        body["message"] = text
        if message.reply_to_provider_id:
            body["options"] = {"quotedMsg": message.reply_to_provider_id}
        return "send-message", body
    if kind == "voice" or (kind == "audio" and message.media is not None and message.media.voice):
        source = _media_source(message, "base64Ptt", "audio/ogg")
        endpoint = "send-voice-base64" if "base64Ptt" in source else "send-voice"
        return endpoint, {**body, **source}
    if kind == "image" or kind in FILE_TYPES:
        media = message.media
        filename = (media.filename if media else "") or ("image" if kind == "image" else "file")
        body["filename"] = filename
        if kind in CAPTIONED and message.text:
            body["caption"] = message.text
        source = _media_source(message, "base64", "application/octet-stream")
        endpoint = "send-image" if kind == "image" else "send-file-base64"
        if message.reply_to_provider_id:
            body["quotedMessageId"] = message.reply_to_provider_id
        return endpoint, {**body, **source}
    if kind == "location":
        payload = message.payload if isinstance(message.payload, dict) else {}
        if payload.get("latitude") is None or payload.get("longitude") is None:
            raise _invalid("location without latitude and longitude")
        body.update(
            lat=str(payload["latitude"]),
            lng=str(payload["longitude"]),
            title=str(payload.get("name") or ""),
            address=str(payload.get("address") or ""),
        )
        return "send-location", body
    raise _invalid(f"message type {str(kind)[:40]!r} cannot be sent over WhatsApp Web")


def _first_id(answer: Any) -> str:
    """The message id in a send answer: {"status": "success", "response": [{"id": ...}]}."""
    response = answer.get("response") if isinstance(answer, dict) else None
    items = response if isinstance(response, list) else [response]
    for item in items:
        if isinstance(item, dict):
            found = serialized(item.get("id")) or serialized(item.get("_serialized"))
            if found:
                return found
        elif isinstance(item, str) and item.startswith(("true_", "false_")):
            return item
    return ""


def session_state(answer: Any) -> tuple[str, str]:
    """(line state or "", QR) of a start-session or status-session answer."""
    if not isinstance(answer, dict):
        return "", ""
    status = answer.get("status")
    state = SERVER_STATES.get(status, "") if isinstance(status, str) else ""
    qrcode = answer.get("qrcode") if isinstance(answer.get("qrcode"), str) else ""
    urlcode = answer.get("urlcode") if isinstance(answer.get("urlcode"), str) else ""
    qr = qr_data(qrcode, urlcode) if state == QR else ""
    return state, qr


class WppConnectClient(HttpClientOwner):
    """The WhatsAppClient of base.py for one WPPConnect Server session, plus the session calls."""

    def __init__(
        self,
        base_url: str,
        session: str,
        secret_key: str,
        token: str = "",
        *,
        on_token: Callable[[str], None] | None = None,
        timeout: float = 10,
        http: httpx.Client | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.secret_key = secret_key
        self.token = token
        self.on_token = on_token
        self._use_http(http, self.base_url, timeout=timeout)

    # -- session ---------------------------------------------------------------------------------

    def generate_token(self) -> str:
        """A new bearer token from the server's secret key (kept and passed to `on_token`)."""
        if not self.base_url or not self.session:
            raise SendError(
                "The WPPConnect Server URL or session name is not set.",
                code="not_configured",
                retryable=False,
            )
        if not self.secret_key:
            raise SendError(
                "The WPPConnect secret key is not set.", code="not_configured", retryable=False
            )
        url = f"{self._session_url()}/{quote(self.secret_key, safe='')}/generate-token"
        response = self._send("POST", url, auth=False)
        answer = _json(response)
        token = answer.get("token") if isinstance(answer, dict) else None
        if response.status_code == 400:
            raise SendError(
                "WPPConnect Server refused the secret key (WPPCONNECT_SECRET_KEY).",
                code="bad_secret_key",
                retryable=False,
            )
        if not response.is_success:
            raise error_from_response(response.status_code, answer)
        if not isinstance(token, str) or not token:
            raise SendError("WPPConnect Server gave no token", code="no_token", retryable=False)
        self.token = token
        if self.on_token is not None:
            self.on_token(token)
        return token

    def start_session(self, webhook_url: str, *, wait_qr_code: bool = False) -> dict:
        """Starts (or finds running) the WhatsApp Web session; its events go to `webhook_url`."""
        return self._call(
            "POST", "start-session", {"webhook": webhook_url, "waitQrCode": wait_qr_code}
        )

    def status_session(self) -> dict:
        return self._call("GET", "status-session")

    def qrcode_session(self) -> str:
        """The current QR as a PNG data URL, or "" when there is none to scan."""
        response = self._authorized("GET", f"{self._session_url()}/qrcode-session")
        if response.status_code == 200 and response.headers.get("content-type", "").startswith(
            "image/"
        ):
            return "data:image/png;base64," + base64.b64encode(response.content).decode()
        if not response.is_success:
            raise error_from_response(response.status_code, _json(response))
        return ""

    def close_session(self) -> dict:
        """Closes the browser; the login is kept, so the next start needs no QR."""
        return self._call("POST", "close-session")

    def logout_session(self) -> dict:
        """Unlinks the device from the phone: the next start needs a new QR scan."""
        return self._call("POST", "logout-session")

    # -- WhatsAppClient --------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        endpoint, body = build_send_request(message)
        answer = self._call("POST", endpoint, body)
        if endpoint == "react-message":  # WhatsApp Web gives a reaction no id of its own
            return SendResult(provider_message_id=f"reaction.{uuid.uuid4().hex}")
        message_id = _first_id(answer)
        if not message_id:
            # Accepted but unnamed: retrying could send it twice, so it is not retryable.
            raise SendError(
                "WPPConnect Server accepted the message without returning its id",
                code="no_message_id",
                retryable=False,
            )
        return SendResult(provider_message_id=message_id)

    def mark_read(self, provider_message_id: str) -> None:
        chat = chat_of_message_id(provider_message_id)
        phone, lid = phone_of(chat), lid_of(chat)
        if not phone and not lid:
            return
        body: dict[str, Any] = {"phone": phone or lid.split("@")[0], "isGroup": False}
        if not phone:
            body["isLid"] = True
        self._call("POST", "send-seen", body)

    def fetch_media(self, media: MediaRef) -> tuple[bytes, str]:
        """Inline bytes as they are; else the server decrypts the message's file for us."""
        if media.content:
            return media.content, media.mime_type or "application/octet-stream"
        if not media.provider_media_id:
            raise SendError("the media has no message id", code="no_media_id", retryable=False)
        answer = self._call(
            "GET", f"get-media-by-message/{quote(media.provider_media_id, safe='')}"
        )
        encoded = answer.get("base64") if isinstance(answer, dict) else None
        mime = answer.get("mimetype") if isinstance(answer, dict) else None
        try:
            content = base64.b64decode(encoded or "", validate=True)
        except (binascii.Error, ValueError):
            content = b""
        if not content:
            raise SendError(
                "WPPConnect Server returned no file for the message",
                code="no_media",
                retryable=False,
            )
        return content, (mime if isinstance(mime, str) and mime else media.mime_type) or (
            "application/octet-stream"
        )

    # -- HTTP ------------------------------------------------------------------------------------

    def _session_url(self) -> str:
        return f"{self.base_url}/api/{quote(self.session, safe='')}"

    def _call(self, method: str, endpoint: str, body: dict | None = None) -> Any:
        response = self._authorized(method, f"{self._session_url()}/{endpoint}", body)
        answer = _json(response)
        if not response.is_success:
            raise error_from_response(
                response.status_code, answer, response.headers.get("Retry-After")
            )
        return answer

    def _authorized(self, method: str, url: str, body: dict | None = None) -> httpx.Response:
        if not self.token:
            self.generate_token()
        response = self._send(method, url, body)
        if response.status_code == 401:  # expired or from another secret key: once more
            self.generate_token()
            response = self._send(method, url, body)
        return response

    def _send(
        self, method: str, url: str, body: dict | None = None, *, auth: bool = True
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        try:
            return self.http.request(method, url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise SendError(
                "timed out talking to WPPConnect Server", code="timeout", retryable=True
            ) from exc
        except httpx.HTTPError as exc:
            raise SendError(
                f"could not reach WPPConnect Server ({type(exc).__name__})",
                code="connection",
                retryable=True,
            ) from exc


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
