"""Sending deliveries: claimed atomically, signed, posted with the process's pooled client,
recorded, retried with exponential backoff until their `give_up_at`.

The deliveries of one subscription and sequence (a conversation, a contact) go out one at a time
in id order: only the oldest pending one (the head) is sent, and the next waits until it is
delivered or given up. Delivery is at least once: a receiver that must not act twice keys on
`X-Ventanilla-Delivery`.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from ventanilla.core import clock
from ventanilla.integrations import signing, targets
from ventanilla.integrations.models import ANSWER_EXCERPT_LENGTH, Delivery, DeliveryStatus

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
CLAIM_MARGIN_SECONDS = 30
MAX_PER_RUN = 100  # deliveries one job sends before it queues itself again
USER_AGENT = "Ventanilla-Webhooks/1"


def retry_delay(attempts: int) -> float:
    """30 s, 1 min, 2 min, ... doubling up to an hour between tries."""
    return float(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


# --- the HTTP client ---------------------------------------------------------------------------

_client_lock = threading.Lock()
_client: httpx.Client | None = None


def http_client() -> httpx.Client:
    """The process's one pooled client: keep-alive connections to every receiver, a timeout for
    each phase of a request, never following redirects (a redirect is an answer, logged)."""
    global _client
    with _client_lock:
        if _client is None:
            seconds = float(settings.WEBHOOKS_TIMEOUT_SECONDS)
            _client = httpx.Client(
                timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            )
        return _client


def close_client() -> None:
    global _client
    with _client_lock:
        client, _client = _client, None
    if client is not None:
        client.close()


# --- one attempt -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    ok: bool
    status_code: int | None
    text: str


def body_of(delivery: Delivery) -> bytes:
    document = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def post(delivery: Delivery) -> Answer:
    """Posts the delivery to its subscription's URL, signed with a fresh timestamp."""
    subscription = delivery.subscription
    refused = targets.address_problem(subscription.url)
    if refused:
        return Answer(False, None, refused)
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Ventanilla-Event": delivery.event,
        "X-Ventanilla-Delivery": str(delivery.pk),
        signing.TIMESTAMP_HEADER: timestamp,
        signing.SIGNATURE_HEADER: signing.signature(subscription.secret, timestamp, body),
    }
    try:
        response = http_client().post(subscription.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return Answer(False, None, f"{type(error).__name__}: {error}"[:ANSWER_EXCERPT_LENGTH])
    excerpt = response.text[:ANSWER_EXCERPT_LENGTH] if response.content else ""
    return Answer(200 <= response.status_code < 300, response.status_code, excerpt)


# --- claim, send, record -----------------------------------------------------------------------


def _claim(delivery_id: int) -> bool:
    """Marks the pending, due row as being sent, if nobody else has; one caller wins a row."""
    now = clock.now()
    seconds = float(settings.WEBHOOKS_TIMEOUT_SECONDS) * 2 + CLAIM_MARGIN_SECONDS
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(
            claimed_until=now + timedelta(seconds=seconds),
            attempts=F("attempts") + 1,
            attempted_at=now,
        )
    )


def _record(delivery_id: int, answer: Answer) -> float | None:
    """Stores the attempt's outcome; returns the delay before the next try when one is due."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:  # its subscription was deleted meanwhile
            return None
        now = clock.now()
        delivery.claimed_until = None
        delivery.last_status_code = answer.status_code
        delivery.last_answer = answer.text
        delay = None
        if answer.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
        elif now + timedelta(seconds=retry_delay(delivery.attempts)) > delivery.give_up_at:
            delivery.status = DeliveryStatus.FAILED
        else:
            delay = retry_delay(delivery.attempts)
            delivery.next_attempt_at = now + timedelta(seconds=delay)
        delivery.save()
    return delay


def send_one(delivery_id: int) -> float | None:
    """One attempt at this delivery when it is pending and due, whatever its sequence; returns
    the delay before its next try, None when none is due (or someone else has it)."""
    if not _claim(delivery_id):
        return None
    delivery = Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    try:
        answer = post(delivery)
    except Exception as error:  # a bug here must not leave the row claimed
        log.exception("webhook delivery %s", delivery_id)
        answer = Answer(False, None, f"Unexpected error: {error}"[:ANSWER_EXCERPT_LENGTH])
    return _record(delivery_id, answer)


def _head(subscription_id: int, key: str) -> Delivery | None:
    rows = Delivery.objects.filter(
        subscription_id=subscription_id,
        subscription__is_active=True,
        sequence_key=key,
        status=DeliveryStatus.PENDING,
    )
    return rows.order_by("pk").only("pk", "next_attempt_at", "claimed_until").first()


def run(subscription_id: int, key: str) -> tuple[float | None, bool]:
    """Sends the sequence's pending deliveries in order until one must wait. Returns (the delay
    before the head's next try or None, whether more is left for another job)."""
    for _ in range(MAX_PER_RUN):
        head = _head(subscription_id, key)
        if head is None:
            return None, False
        now = clock.now()
        if head.next_attempt_at is not None and head.next_attempt_at > now:
            return None, False  # waiting for a retry: the job that set it is scheduled
        if head.claimed_until is not None and head.claimed_until > now:
            return None, False  # another job is sending it, and will go on
        delay = send_one(head.pk)
        if delay is not None:
            return delay, False
    return None, True


def lost_sequences(grace_seconds: float, limit: int = 500) -> list[tuple[int, str]]:
    """Sequences whose head has been due for `grace_seconds` without being claimed: its job was
    lost (the queue was down, a worker died, a retry scheduled in a process that stopped)."""
    now = clock.now()
    waited = now - timedelta(seconds=grace_seconds)
    rows = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=waited,
            subscription__is_active=True,
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by()
        .values_list("subscription_id", "sequence_key")
        .distinct()
    )
    return list(rows[:limit])
