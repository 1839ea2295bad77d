"""A fake WhatsApp Graph API for the fault scenarios: a real HTTP server on 127.0.0.1 that accepts
sends as Meta does and then tells the desk what became of them, as Meta does.

- POST /{phone_number_id}/messages (Bearer token): a send -> 200
  {"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid.<unique>"}]},
  recorded with its JSON body. For every accepted send, signed status webhooks "sent" then
  "delivered" are posted to the desk's /webhooks/whatsapp/cloud (alternating web processes), each
  re-posted until it gets a 200 (bounded). The send's `biz_opaque_callback_data` is echoed in
  the status objects, as Meta does: that is how a desk can settle a send whose outcome it lost.
- A read receipt ({"status": "read", "message_id"}) -> {"success": true}; not a send.
- `fail_for(seconds)`: every request is answered 500 with a Graph error body meanwhile.

A send is accepted once its request has been read and `latency` has passed, whether or not the
sender is still there to read the answer (a sender killed mid-request has still sent it).
"""

import hashlib
import hmac
import itertools
import json
import queue
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.fakes.server import FakeServer

STATUS_POSTERS = 4  # threads posting status webhooks
STATUS_DEADLINE_SECONDS = 90.0  # a status not accepted by then is given up (and reported)
STATUS_ORDER = ("sent", "delivered")


def signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Send:
    wamid: str
    ref: str | None  # the body's biz_opaque_callback_data, when the desk gave one
    to: str
    body: dict
    at: float  # time.monotonic() when accepted


@dataclass
class StatusDelivery:
    wamid: str
    status: str
    attempts: int = 0
    accepted_at: float | None = None
    answers: Counter = field(default_factory=Counter)  # "503", "ConnectError", ... per attempt


class FakeGraph(FakeServer):
    name = "fake WhatsApp Graph API"

    def __init__(self, *, phone_number_id: str, access_token: str, app_secret: str, latency=0.02):
        super().__init__()
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.app_secret = app_secret
        self.latency = latency
        self._token = uuid.uuid4().hex[:8]
        self._sends: list[Send] = []
        self._read_receipts: list[str] = []
        self._statuses: list[StatusDelivery] = []
        self.rejected = 0  # sends answered 500 during fail_for
        self.refused = 0  # 4xx: bad token, bad body
        self._in_progress = 0
        self._fail_until = 0.0
        self.failures: list[tuple[float, float]] = []
        self._webhook_urls: list[str] = []
        self._turn = itertools.count()
        self._jobs: queue.Queue = queue.Queue()
        self._pending_jobs = 0
        self._stopping = threading.Event()
        self._posters: list[threading.Thread] = []
        self._http: httpx.Client | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "FakeGraph":
        super().start()
        self._http = httpx.Client(timeout=10)
        for number in range(STATUS_POSTERS):
            thread = threading.Thread(
                target=self._post_statuses, name=f"graph-statuses-{number}", daemon=True
            )
            thread.start()
            self._posters.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._posters:
            thread.join(timeout=15)
        self._posters.clear()
        if self._http is not None:
            self._http.close()
        super().stop()

    def deliver_statuses_to(self, base_urls: list[str]) -> None:
        """The desk's web processes, in the order the status webhooks alternate over them."""
        self._webhook_urls = [f"{url}/webhooks/whatsapp/cloud" for url in base_urls]

    def fail_for(self, seconds: float) -> tuple[float, float]:
        """Answers every request 500 for `seconds` (blocks meanwhile); returns (start, end)."""
        start = time.monotonic()
        self._fail_until = start + seconds
        time.sleep(seconds)
        end = time.monotonic()
        self.failures.append((start, end))
        return start, end

    # -- what happened -----------------------------------------------------------------------

    @property
    def sends(self) -> list[Send]:
        with self._lock:
            return list(self._sends)

    @property
    def in_progress(self) -> int:
        """Sends received whose answer is not written yet."""
        with self._lock:
            return self._in_progress

    def sends_by_ref(self) -> dict[str | None, list[Send]]:
        by_ref: dict[str | None, list[Send]] = {}
        for send in self.sends:
            by_ref.setdefault(send.ref, []).append(send)
        return by_ref

    def statuses_idle(self) -> bool:
        with self._lock:
            return self._pending_jobs == 0

    def status_deliveries(self) -> list[StatusDelivery]:
        with self._lock:
            return list(self._statuses)

    # -- the HTTP side -----------------------------------------------------------------------

    def _handle(self, method: str, path: str, headers: dict, body):
        parts = [p for p in path.split("?")[0].split("/") if p]
        is_send = method == "POST" and len(parts) == 2 and parts[1] == "messages"
        with self._lock:
            self._in_progress += is_send
        try:
            if self.latency:
                time.sleep(self.latency)
            return self._answer(method, parts, headers, body)
        finally:
            with self._lock:
                self._in_progress -= is_send

    def _answer(self, method: str, parts: list[str], headers: dict, body):
        if time.monotonic() < self._fail_until:
            with self._lock:
                self.rejected += 1
            return 500, {}, _graph_error(2, "Service temporarily unavailable", transient=True)
        if headers.get("authorization") != f"Bearer {self.access_token}":
            with self._lock:
                self.refused += 1
            return 401, {}, _graph_error(190, "Invalid OAuth access token")
        if method != "POST" or len(parts) != 2 or parts[1] != "messages":
            return 404, {}, _graph_error(100, f"Unsupported {method.lower()} request")
        if parts[0] != self.phone_number_id:
            with self._lock:
                self.refused += 1
            return 400, {}, _graph_error(100, f"Unknown phone number id {parts[0]}")
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            with self._lock:
                self.refused += 1
            return 400, {}, _graph_error(100, "messaging_product must be whatsapp")
        if body.get("status") == "read":
            with self._lock:
                self._read_receipts.append(str(body.get("message_id")))
            return 200, {}, {"success": True}
        to = body.get("to") or body.get("recipient")
        if not to or not body.get("type"):
            with self._lock:
                self.refused += 1
            return 400, {}, _graph_error(100, "to (or recipient) and type are required")
        ref = body.get("biz_opaque_callback_data")
        with self._lock:
            wamid = f"wamid.FAULTS{self._token}{next(self._ids):06d}"
            send = Send(wamid, ref if isinstance(ref, str) else None, str(to), body, 0.0)
            send.at = time.monotonic()
            self._sends.append(send)
            self._pending_jobs += 1
        self._jobs.put(send)
        contact = {"input": to, "wa_id": to}
        return (
            200,
            {},
            {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]},
        )

    # -- status webhooks back to the desk ----------------------------------------------------

    def _post_statuses(self) -> None:
        while not self._stopping.is_set():
            try:
                send = self._jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                for status in STATUS_ORDER:
                    if not self._post_until_accepted(send, status):
                        break  # no "delivered" for a send whose "sent" never got in
            finally:
                with self._lock:
                    self._pending_jobs -= 1

    def _post_until_accepted(self, send: Send, status: str) -> bool:
        delivery = StatusDelivery(send.wamid, status)
        with self._lock:
            self._statuses.append(delivery)
        raw = json.dumps(self._status_body(send, status)).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature(raw, self.app_secret),
        }
        deadline = time.monotonic() + STATUS_DEADLINE_SECONDS
        pause = 0.1
        while not self._stopping.is_set() and time.monotonic() < deadline:
            urls = self._webhook_urls
            if not urls:
                self._stopping.wait(0.1)
                continue
            url = urls[next(self._turn) % len(urls)]
            delivery.attempts += 1
            try:
                answer = self._http.post(url, content=raw, headers=headers)
                if answer.status_code == 200:
                    delivery.accepted_at = time.monotonic()
                    return True
                delivery.answers[str(answer.status_code)] += 1
            except httpx.HTTPError as error:
                delivery.answers[type(error).__name__] += 1
            self._stopping.wait(pause)
            pause = min(1.0, pause * 2)
        return False

    def _status_body(self, send: Send, status: str) -> dict:
        entry = {
            "id": send.wamid,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": send.to,
            "pricing": {
                "billable": False,
                "pricing_model": "PMP",
                "type": "free_customer_service",
                "category": "service",
            },
        }
        if send.ref is not None:
            entry["biz_opaque_callback_data"] = send.ref
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550001111",
                                    "phone_number_id": self.phone_number_id,
                                },
                                "statuses": [entry],
                            },
                        }
                    ],
                }
            ],
        }


def _graph_error(code: int, message: str, *, transient: bool = False) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAULTS"}
    if transient:
        error["is_transient"] = True
    return {"error": error}
