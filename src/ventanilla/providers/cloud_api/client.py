"""A thin WhatsApp Cloud API client on httpx: send, mark as read, upload and fetch media.

Every failure is a `SendError`; `retryable` tells the outbox whether to try again (5xx, 429, rate
limit codes, timeouts, connection errors) or to record the failure. Note that a timeout after the
request went out is ambiguous (Meta may have accepted it); the Cloud API has no idempotency key, so
a retry may in rare cases deliver a message twice.
"""

import unicodedata
from typing import Any
from urllib.parse import quote

import httpx

from ventanilla.providers.base import MediaRef, OutboundMessage, SendError, SendResult
from ventanilla.providers.cloud_api.errors import error_from_response
from ventanilla.providers.http import HttpClientOwner

# Cloud API limits (characters).
TEXT_MAX = 4096
REFERENCE_MAX = 512  # biz_opaque_callback_data
CAPTION_MAX = 1024
INTERACTIVE_BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
MAX_LIST_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_MAX = 20
DEFAULT_LIST_BUTTON = "Ver opciones"

MEDIA_SEND_TYPES = ("image", "audio", "video", "document", "sticker")
CAPTIONED = ("image", "video", "document")
MEDIA_MAX_BYTES = 100 * 1024 * 1024  # the largest document the Cloud API accepts

TEMPLATE_FIELDS = "id,name,language,category,status,components"
TEMPLATE_PAGE_SIZE = 100
TEMPLATE_MAX_PAGES = 100  # 10,000 templates; Meta allows 250 per account (6,000 when verified)

_ELLIPSIS = "…"


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters with an ellipsis, never splitting a character.

    Length is counted in UTF-16 code units (an emoji counts 2), the stricter of the ways Meta may
    count, and the cut falls between user-perceived characters: an accent, an emoji sequence
    (skin tone, ZWJ family, flag) is kept whole or dropped whole.
    """
    text = str(text).strip()
    if _units(text) <= limit:
        return text
    kept, used = [], _units(_ELLIPSIS)
    for cluster in _clusters(text):
        if used + _units(cluster) > limit:
            break
        kept.append(cluster)
        used += _units(cluster)
    return "".join(kept).rstrip() + _ELLIPSIS


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _extends(char: str) -> bool:
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf")
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tone modifiers
    )


def _clusters(text: str):
    """Approximate grapheme clusters: enough for accents, emoji sequences and flags."""
    cluster = ""
    for char in text:
        if cluster and (
            _extends(char)
            or cluster[-1] == "\u200d"
            or (
                _is_regional_indicator(char)
                and len(cluster) == 1
                and _is_regional_indicator(cluster)
            )
        ):
            cluster += char
            continue
        if cluster:
            yield cluster
        cluster = char
    if cluster:
        yield cluster


def fit_title(text: str, limit: int) -> str:
    """A one-line label (button, row, header): whitespace runs and newlines become one space."""
    return fit(" ".join(str(text).split()), limit)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _unique_titles(titles: list[str], limit: int) -> list[str]:
    """Titles fitted to `limit` and made unique (Meta rejects duplicate button titles)."""
    seen: set[str] = set()
    result = []
    for title in titles:
        candidate = fit_title(title, limit) or "-"
        n = 2
        while candidate.casefold() in seen:
            suffix = f" {n}"
            candidate = fit_title(title, limit - len(suffix)) + suffix
            n += 1
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def _invalid(reason: str) -> SendError:
    return SendError(reason, code="invalid_message", retryable=False)


def _options(raw: Any) -> list[dict]:
    if not isinstance(raw, list):
        return []
    options = []
    for index, option in enumerate(raw, start=1):
        if isinstance(option, dict):
            option_id = str(option.get("id") or index)
            title = str(option.get("title") or option_id)
            description = str(option.get("description") or "")
        elif isinstance(option, str) and option.strip():
            option_id, title, description = str(index), option, ""
        else:
            continue
        options.append({"id": option_id, "title": title, "description": description})
    return options


def _interactive(message: OutboundMessage) -> dict:
    payload = message.payload if isinstance(message.payload, dict) else {}
    body_text = str(payload.get("body") or message.text or "").strip()
    if not body_text:
        raise _invalid("interactive message without body text")
    options = _options(payload.get("options"))
    if not options:
        raise _invalid("interactive message without options")
    kind = payload.get("kind", "buttons")
    if kind not in ("buttons", "list"):
        raise _invalid(f"unknown interactive kind {str(kind)[:40]!r}")

    interactive: dict[str, Any] = {"body": {"text": fit(body_text, INTERACTIVE_BODY_MAX)}}
    if payload.get("header"):
        interactive["header"] = {"type": "text", "text": fit_title(payload["header"], HEADER_MAX)}
    if payload.get("footer"):
        interactive["footer"] = {"text": fit_title(payload["footer"], FOOTER_MAX)}

    if kind == "buttons" and len(options) <= MAX_BUTTONS:
        titles = _unique_titles([o["title"] for o in options], BUTTON_TITLE_MAX)
        interactive["type"] = "button"
        interactive["action"] = {
            "buttons": [
                {"type": "reply", "reply": {"id": o["id"][:BUTTON_ID_MAX], "title": title}}
                for o, title in zip(options, titles, strict=True)
            ]
        }
        return interactive

    # A list; also buttons beyond the 3 WhatsApp allows, so no option is silently lost.
    options = options[:MAX_LIST_ROWS]
    titles = _unique_titles([o["title"] for o in options], ROW_TITLE_MAX)
    rows = []
    for option, title in zip(options, titles, strict=True):
        row = {"id": option["id"][:ROW_ID_MAX], "title": title}
        if option["description"]:
            row["description"] = fit(option["description"], ROW_DESCRIPTION_MAX)
        rows.append(row)
    interactive["type"] = "list"
    interactive["action"] = {
        "button": fit_title(payload.get("button") or DEFAULT_LIST_BUTTON, LIST_BUTTON_MAX),
        "sections": [{"rows": rows}],
    }
    if payload.get("section_title"):
        interactive["action"]["sections"][0]["title"] = fit_title(
            payload["section_title"], ROW_TITLE_MAX
        )
    return interactive


def _media(message: OutboundMessage, kind: str) -> dict:
    media = message.media
    if media is None or not (media.provider_media_id or media.url):
        raise _invalid(f"{kind} message without a media id or link")
    part: dict[str, Any] = (
        {"id": media.provider_media_id} if media.provider_media_id else {"link": media.url}
    )
    if kind in CAPTIONED and message.text:
        if len(message.text) > CAPTION_MAX:
            raise _invalid(f"caption longer than {CAPTION_MAX} characters")
        part["caption"] = message.text
    if kind == "document" and media.filename:
        part["filename"] = media.filename
    return part


def _template(message: OutboundMessage) -> dict:
    payload = message.payload if isinstance(message.payload, dict) else {}
    name = payload.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid("template message without a template name")
    language = payload.get("language") or "es"
    if isinstance(language, str):
        language = {"code": language}
    template: dict[str, Any] = {"name": name, "language": language}
    components = payload.get("components")
    if components:
        template["components"] = components
    return template


def build_message_body(message: OutboundMessage) -> dict:
    """The JSON body of POST /{phone_number_id}/messages for `message`.

    Raises a non-retryable SendError when the message cannot be expressed.
    """
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    if message.reference:  # echoed in the send's status webhooks (settles a lost outcome)
        body["biz_opaque_callback_data"] = message.reference[:REFERENCE_MAX]
    to_phone = (message.to_phone or "").strip().lstrip("+")
    if to_phone:
        body["to"] = to_phone
    elif message.to_user_id:
        body["recipient"] = message.to_user_id  # business-scoped user id: the phone is unknown
    else:
        raise _invalid("no recipient: neither a phone nor a WhatsApp user id")

    kind = "audio" if message.type == "voice" else message.type
    if kind == "text":
        text = message.text or ""
        if not text.strip():
            raise _invalid("empty text message")
        if len(text) > TEXT_MAX:
            raise _invalid(f"text longer than {TEXT_MAX} characters")
        body["type"] = "text"
        body["text"] = {"body": text, "preview_url": False}
    elif kind == "interactive":
        body["type"] = "interactive"
        body["interactive"] = _interactive(message)
    elif kind in MEDIA_SEND_TYPES:
        body["type"] = kind
        body[kind] = _media(message, kind)
    elif kind == "template":
        body["type"] = "template"
        body["template"] = _template(message)
    elif kind == "reaction":
        payload = message.payload if isinstance(message.payload, dict) else {}
        target = payload.get("message_id") or message.reply_to_provider_id
        if not target:
            raise _invalid("reaction without the message it reacts to")
        body["type"] = "reaction"
        body["reaction"] = {"message_id": target, "emoji": payload.get("emoji", message.text)}
        return body  # a reaction carries no reply context
    elif kind == "location":
        payload = message.payload if isinstance(message.payload, dict) else {}
        body["type"] = "location"
        body["location"] = {
            k: payload[k] for k in ("latitude", "longitude", "name", "address") if k in payload
        }
    else:
        raise _invalid(f"message type {str(message.type)[:40]!r} cannot be sent")

    if message.reply_to_provider_id:
        body["context"] = {"message_id": message.reply_to_provider_id}
    return body


class CloudApiClient(HttpClientOwner):
    """The WhatsAppClient of base.py for one Cloud API phone number."""

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        timeout: float = 10,
        http: httpx.Client | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = str(phone_number_id).strip("/")
        self.access_token = access_token
        self.timeout = timeout
        self._use_http(http, self.base_url, timeout=timeout)

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{quote(self.phone_number_id, safe='')}/messages"

    def send(self, message: OutboundMessage) -> SendResult:
        body = build_message_body(message)
        answer = self._request("POST", self.messages_url, json=body)
        messages = answer.get("messages") if isinstance(answer, dict) else None
        first = messages[0] if isinstance(messages, list) and messages else None
        message_id = first.get("id") if isinstance(first, dict) else None
        if not isinstance(message_id, str) or not message_id:
            # Accepted but unnamed: retrying could send it twice, so it is not retryable.
            raise SendError(
                "the WhatsApp Cloud API accepted the message without returning its id",
                code="no_message_id",
                retryable=False,
            )
        return SendResult(provider_message_id=message_id)

    def mark_read(self, provider_message_id: str) -> None:
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": provider_message_id,
        }
        self._request("POST", self.messages_url, json=body)

    def phone_number(self) -> dict:
        """The phone number's name and number as Meta shows them: the credentials work."""
        answer = self._request(
            "GET",
            f"{self.base_url}/{quote(self.phone_number_id, safe='')}",
            params={"fields": "display_phone_number,verified_name"},
        )
        return answer if isinstance(answer, dict) else {}

    def upload_media(self, media: MediaRef) -> str:
        """POST /{phone_number_id}/media (multipart): the media id to send the file by."""
        mime = (media.mime_type or "application/octet-stream").split(";")[0].strip()
        answer = self._request(
            "POST",
            f"{self.base_url}/{quote(self.phone_number_id, safe='')}/media",
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": (media.filename or "file", media.content or b"", mime)},
        )
        media_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(media_id, str) or not media_id:
            raise SendError(
                "the WhatsApp Cloud API took the upload without returning a media id",
                code="no_media_id",
                retryable=True,  # nothing was sent to the customer: uploading again is harmless
            )
        return media_id

    def message_templates(self, waba_id: str) -> list[dict]:
        """Every message template of the WhatsApp Business Account, page after page.

        The next page is asked with `paging.cursors.after` on the same URL while Meta says there
        is one (`paging.next`): the token never goes to an address a response named."""
        url = f"{self.base_url}/{quote(str(waba_id).strip('/'), safe='')}/message_templates"
        params = {"fields": TEMPLATE_FIELDS, "limit": TEMPLATE_PAGE_SIZE}
        templates: list[dict] = []
        for _page in range(TEMPLATE_MAX_PAGES):
            answer = self._request("GET", url, params=params)
            answer = answer if isinstance(answer, dict) else {}
            data = answer.get("data")
            templates += [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []
            paging = answer.get("paging") if isinstance(answer.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            after = cursors.get("after")
            if not paging.get("next") or not isinstance(after, str) or not after:
                return templates
            params = {**params, "after": after}
        raise SendError(
            "the WhatsApp Business Account has more template pages than the desk reads",
            code="too_many_pages",
            retryable=False,
        )

    def media_url(self, media_id: str) -> str:
        return f"{self.base_url}/{quote(media_id, safe='')}"

    def fetch_media(self, media: MediaRef) -> tuple[bytes, str]:
        """Media id -> (short-lived URL, mime type) -> bytes, both with the bearer token."""
        url, mime = media.url, media.mime_type
        if media.provider_media_id:
            info = self._request("GET", self.media_url(media.provider_media_id))
            info = info if isinstance(info, dict) else {}
            url = info.get("url") if isinstance(info.get("url"), str) else ""
            mime = info.get("mime_type") if isinstance(info.get("mime_type"), str) else mime
        if not url:
            raise SendError("the media has no download URL", code="no_media_url", retryable=False)
        content, content_type = self._download(url)
        return content, mime or content_type or "application/octet-stream"

    # -- HTTP ----------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def _request(
        self, method: str, url: str, json: dict | None = None, params: dict | None = None, **body
    ) -> Any:
        try:
            response = self.http.request(
                method, url, json=json, params=params, headers=self._headers(), **body
            )
        except httpx.TimeoutException as exc:
            raise SendError(
                "timed out talking to the WhatsApp Cloud API", code="timeout", retryable=True
            ) from exc
        except httpx.HTTPError as exc:
            raise SendError(
                f"could not reach the WhatsApp Cloud API ({type(exc).__name__})",
                code="connection",
                retryable=True,
            ) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not response.is_success:
            raise error_from_response(
                response.status_code, answer, response.headers.get("Retry-After")
            )
        return answer

    def _download(self, url: str) -> tuple[bytes, str]:
        try:
            with self.http.stream("GET", url, headers=self._headers()) as response:
                if not response.is_success:
                    response.read()
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = None
                    raise error_from_response(
                        response.status_code, answer, response.headers.get("Retry-After")
                    )
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MEDIA_MAX_BYTES:
                        raise SendError("media larger than the Cloud API maximum", code="too_large")
                    chunks.append(chunk)
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
                return b"".join(chunks), content_type
        except httpx.TimeoutException as exc:
            raise SendError(
                "timed out downloading media from the WhatsApp Cloud API",
                code="timeout",
                retryable=True,
            ) from exc
        except httpx.HTTPError as exc:
            raise SendError(
                f"could not download media from the WhatsApp Cloud API ({type(exc).__name__})",
                code="connection",
                retryable=True,
            ) from exc
