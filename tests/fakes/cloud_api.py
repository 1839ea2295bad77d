"""A fake WhatsApp Cloud API: a real HTTP server on 127.0.0.1, started per test by a fixture.

    def test_x(fake_cloud_api):
        settings.WHATSAPP_CLOUD_API_URL = fake_cloud_api.url
        fake_cloud_api.fail_next(status=500, times=2)
        ...
        assert len(fake_cloud_api.sent_messages()) == 1

It speaks the parts of the Graph API Ventanilla uses:

- POST /{phone_number_id}/messages: a send ->
  {"messaging_product", "contacts", "messages": [{"id"}]} with a unique "wamid.FAKE..." id;
  a read receipt ({"status": "read"}) -> {"success": true}.
- POST /{phone_number_id}/media (multipart: messaging_product, type, file) -> {"id"}; the file
  is then fetchable as any media id (`uploads()` lists what was uploaded).
- GET /{phone_number_id} -> {"id", "display_phone_number", "verified_name"}.
- GET /{media_id} ->
  {"url": "<fake.url>/media-bytes/<id>", "mime_type", "sha256", "file_size", "id"}.
- GET /media-bytes/{media_id} -> the bytes.
- GET /{waba_id}/message_templates?limit=N[&after=cursor] -> {"data": [...], "paging":
  {"cursors": {"before", "after"}, "next"}} (`next` only while more pages follow), the templates
  added with `add_template`, `limit` (or `template_page_size`) per page.

All of them need `Authorization: Bearer <fake.access_token>`, else 401 with Graph error code 190.
A wrong phone number id is 400 (code 100); an unknown media id 404 (code 100).
Scripted failures and delays apply to the next matching requests, in the order they were scripted.
A delayed request still completes on the server after the client gave up, as Meta would.
"""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.server import FakeServer, Script, default_line

DEFAULT_PHONE_NUMBER_ID = "106540352242922"  # the fixtures' metadata.phone_number_id
DEFAULT_ACCESS_TOKEN = "fake-cloud-api-token"
DEFAULT_WABA_ID = "102290129340398"
CLOUD_APP_SECRET = "app-secret-for-tests"  # cloud_line's: what signs the webhooks it receives
CLOUD_VERIFY_TOKEN = "verify-token-for-tests"


def sign(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header value Meta would send with `body`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class _Failure(Script):
    error_code: int | None = None
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)


_ERROR_MESSAGES = {
    190: "Invalid OAuth access token - Cannot parse access token",
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131047: "Re-engagement message",
    131026: "Message undeliverable",
    131000: "Something went wrong",
    100: "Invalid parameter",
}


class FakeCloudApi(FakeServer):
    name = "fake Cloud API"

    def __init__(
        self,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        access_token: str = DEFAULT_ACCESS_TOKEN,
    ):
        super().__init__()
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self._sent: list[dict] = []
        self._read: list[str] = []
        self._media: dict[str, tuple[bytes, str]] = {}
        self._uploads: list[dict] = []
        self._raw = threading.local()  # the body of the request this thread is answering
        self.waba_id = DEFAULT_WABA_ID
        self._templates: list[dict] = []
        self.template_page_size: int | None = None  # None: the client's `limit`

    # -- scripting ---------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 500,
        *,
        times: int = 1,
        error_code: int | None = None,
        message: str = "",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        path: str | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` and a Graph error body.

        `error_code` goes into {"error": {"code": ...}}; `path` is a regex searched in
        "METHOD /path" (e.g. "POST .*/messages") to fail only some requests.
        """
        self._script(
            _Failure(
                status,
                times,
                path,
                delay,
                error_code=error_code,
                message=message,
                headers=dict(headers or {}),
            )
        )

    def add_media(self, media_id: str, content: bytes, mime_type: str) -> None:
        with self._lock:
            self._media[media_id] = (content, mime_type)

    def add_template(
        self,
        name: str,
        body: str,
        *,
        language: str = "es_AR",
        status: str = "APPROVED",
        category: str = "UTILITY",
        components: list[dict] | None = None,
    ) -> dict:
        """A template of the business account, as Meta lists it; returns it (with its id)."""
        template = {
            "id": str(900000 + len(self._templates) + 1),
            "name": name,
            "language": language,
            "status": status,
            "category": category,
            "components": components or [{"type": "BODY", "text": body}],
        }
        with self._lock:
            self._templates.append(template)
        return template

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._sent.clear()
            self._read.clear()
            self._uploads.clear()

    # -- what happened ---------------------------------------------------------------------------

    def sent_messages(self) -> list[dict]:
        """JSON bodies of the sends this fake accepted (answered 200 with a message id)."""
        with self._lock:
            return [json.loads(json.dumps(body)) for body in self._sent]

    def uploads(self) -> list[dict]:
        """Accepted media uploads: {"id", "type", "filename", "content"}."""
        with self._lock:
            return [dict(upload) for upload in self._uploads]

    def read_receipts(self) -> list[str]:
        """Message ids marked as read (accepted ones)."""
        with self._lock:
            return list(self._read)

    # -- the server side ---------------------------------------------------------------------------

    def _received(self, method, path, headers, body, raw) -> None:
        super()._received(method, path, headers, body, raw)
        self._raw.body = raw

    def _handle(self, method: str, path: str, headers: dict[str, str], body):
        """(status, headers, payload) where payload is a dict (JSON) or bytes."""
        failure = self._scripted_failure(method, path)
        if failure is not None:
            code = failure.error_code if failure.error_code is not None else failure.status
            error = {
                "message": failure.message or _ERROR_MESSAGES.get(code, f"HTTP {failure.status}"),
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "FAKEtrace",
            }
            if failure.error_code is not None:
                error["error_data"] = {"messaging_product": "whatsapp", "details": ""}
            return failure.status, failure.headers, {"error": error}

        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {}, _graph_error(190, _ERROR_MESSAGES[190])

        parts = [p for p in path.split("?")[0].split("/") if p]
        if method == "POST" and len(parts) == 2 and parts[1] == "messages":
            return self._messages(parts[0], body)
        if method == "POST" and len(parts) == 2 and parts[1] == "media":
            return self._upload(parts[0], headers.get("content-type", ""), self._raw.body)
        if method == "GET" and len(parts) == 2 and parts[0] == "media-bytes":
            with self._lock:
                media = self._media.get(parts[1])
            if media is None:
                return 404, {}, _graph_error(100, "Unknown media")
            return 200, {"Content-Type": media[1]}, media[0]
        if method == "GET" and len(parts) == 2 and parts[1] == "message_templates":
            return self._message_templates(parts[0], path)
        if method == "GET" and parts == [self.phone_number_id]:
            # the phone number's details, as Ventanilla's "start" reads them to check credentials
            return (
                200,
                {},
                {
                    "id": self.phone_number_id,
                    "display_phone_number": "+54 9 351 555-0000",
                    "verified_name": "Mesa de ayuda",
                },
            )
        if method == "GET" and len(parts) == 1:
            with self._lock:
                media = self._media.get(parts[0])
            if media is None:
                return 404, {}, _graph_error(100, "Unsupported get request: unknown media id")
            content, mime = media
            return (
                200,
                {},
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/media-bytes/{parts[0]}",
                    "mime_type": mime,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "file_size": len(content),
                    "id": parts[0],
                },
            )
        return 404, {}, _graph_error(100, f"Unsupported {method.lower()} request")

    def _message_templates(self, waba_id: str, path: str):
        if waba_id != self.waba_id:
            return 400, {}, _graph_error(100, f"Unknown WhatsApp Business Account {waba_id}")
        query = parse_qs(urlsplit(path).query)
        size = self.template_page_size or int(query.get("limit", ["25"])[0])
        start = int(query.get("after", ["0"])[0])
        with self._lock:
            page = [json.loads(json.dumps(t)) for t in self._templates[start : start + size]]
            more = start + size < len(self._templates)
        paging = {"cursors": {"before": str(start), "after": str(start + len(page))}}
        if more:
            paging["next"] = f"{self.url}/{waba_id}/message_templates?after={start + len(page)}"
        return 200, {}, {"data": page, "paging": paging}

    def _messages(self, phone_number_id: str, body):
        if phone_number_id != self.phone_number_id:
            return 400, {}, _graph_error(100, f"Unknown phone number id {phone_number_id}")
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return 400, {}, _graph_error(100, "messaging_product must be whatsapp")
        if body.get("status") == "read":
            if not body.get("message_id"):
                return 400, {}, _graph_error(100, "message_id is required")
            with self._lock:
                self._read.append(body["message_id"])
            return 200, {}, {"success": True}
        to, recipient = body.get("to"), body.get("recipient")
        if not (to or recipient) or not body.get("type"):
            return 400, {}, _graph_error(100, "to (or recipient) and type are required")
        with self._lock:
            message_id = f"wamid.FAKE{next(self._ids):06d}"
            self._sent.append(body)
        contact = {"input": to, "wa_id": to} if to else {"input": recipient, "user_id": recipient}
        return (
            200,
            {},
            {
                "messaging_product": "whatsapp",
                "contacts": [contact],
                "messages": [{"id": message_id}],
            },
        )

    def _upload(self, phone_number_id: str, content_type: str, raw: bytes):
        if phone_number_id != self.phone_number_id:
            return 400, {}, _graph_error(100, f"Unknown phone number id {phone_number_id}")
        if not content_type.startswith("multipart/form-data"):
            return 400, {}, _graph_error(100, "the upload must be multipart/form-data")
        parsed = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields, file = {}, None
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                file = (part.get_filename() or "", part.get_payload(decode=True) or b"")
            elif name:
                fields[name] = part.get_content().strip()
        if fields.get("messaging_product") != "whatsapp" or not fields.get("type") or not file:
            return 400, {}, _graph_error(100, "messaging_product, type and file are required")
        with self._lock:
            media_id = f"{next(self._ids) + 900000000000000}"
            self._media[media_id] = (file[1], fields["type"])
            self._uploads.append(
                {"id": media_id, "type": fields["type"], "filename": file[0], "content": file[1]}
            )
        return 200, {}, {"id": media_id}


def _graph_error(code: int, message: str) -> dict:
    return {
        "error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAKE"}
    }


@pytest.fixture
def fake_cloud_api():
    """A running FakeCloudApi (phone number id 106540352242922, token in `.access_token`)."""
    with FakeCloudApi() as fake:
        yield fake


@pytest.fixture
def cloud_line(db, fake_cloud_api):
    """The default line, on the fake Cloud API, with app secret CLOUD_APP_SECRET."""
    return default_line(
        "cloud",
        "Cloud",
        cloud_phone_number_id=DEFAULT_PHONE_NUMBER_ID,
        cloud_access_token=DEFAULT_ACCESS_TOKEN,
        cloud_app_secret=CLOUD_APP_SECRET,
        cloud_verify_token=CLOUD_VERIFY_TOKEN,
        cloud_api_url=fake_cloud_api.url,
        cloud_waba_id=DEFAULT_WABA_ID,
    )
