"""Delivery of queued outgoing messages: claimed atomically, sent once, retried with backoff."""

import logging
from copy import copy
from dataclasses import replace
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q

from ventanilla.contacts.phones import wa_digits
from ventanilla.conversations.models import DeliveryStatus, EarlyStatus, Message
from ventanilla.conversations.publishing import enqueue_send, failed_now, publish_message
from ventanilla.conversations.statuses import status_advance, status_advanced
from ventanilla.core import clock
from ventanilla.core.db import until_stored
from ventanilla.core.fields import id_from_text
from ventanilla.integrations.models import WebhookEvent
from ventanilla.providers import capabilities
from ventanilla.providers.base import MediaRef, OutboundMessage, SendError
from ventanilla.providers.registry import client_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 300
REFERENCE_PREFIX = "ventanilla-message:"


def retry_delay(attempts: int, asked: float | None = None) -> float:
    if asked is not None:
        return max(0.0, float(asked))
    return float(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=float(getattr(settings, name)))


def reference_of(message_id: int) -> str:
    """What a send is tagged with, for providers that echo it in the send's statuses."""
    return f"{REFERENCE_PREFIX}{message_id}"


def message_id_of(reference: str) -> int | None:
    number = (
        reference.removeprefix(REFERENCE_PREFIX) if reference.startswith(REFERENCE_PREFIX) else ""
    )
    return id_from_text(number)


def _claim(message_id: int):
    """Marks the row as being sent, if nobody else has; exactly one caller ever wins a row.
    Returns the claim's end as written (None: not won). One prepared statement: a send's
    hottest line (ADR 0036)."""
    now = clock.now()
    claimed_until = now + _seconds("OUTBOX_CLAIM_SECONDS")
    at = Message._meta.get_field("claimed_until")
    params = [
        DeliveryStatus.SENDING.value,
        at.get_db_prep_save(claimed_until, connection),
        message_id,
        DeliveryStatus.QUEUED.value,
        at.get_db_prep_save(now, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), params)
        won = cursor.rowcount
    return claimed_until if won else None


@cache
def _claim_sql() -> str:
    """`queued` and due (no next attempt, or it is past) -> `sending`, one attempt more."""
    quote, meta = connection.ops.quote_name, Message._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    status, attempts, due = column("status"), column("attempts"), column("next_attempt_at")
    return (
        f"UPDATE {quote(meta.db_table)} SET {status} = %s, {column('claimed_until')} = %s, "  # noqa: S608 (names from the model)
        f"{attempts} = {attempts} + 1 WHERE {column('id')} = %s AND {status} = %s "
        f"AND ({due} IS NULL OR {due} <= %s)"
    )


def _outbound(message: Message) -> OutboundMessage:
    contact = message.conversation.contact
    media = None
    if message.media_file:
        content = None
        if not (message.media_provider_id and capabilities.of(message.line).uploads_media):
            with message.media_file.open("rb") as stored:
                content = stored.read()
        media = MediaRef(
            provider_media_id=message.media_provider_id,
            mime_type=message.media_mime_type,
            filename=message.media_filename,
            content=content,
        )
    return OutboundMessage(
        to_phone=wa_digits(contact.phone) if contact.phone else "",
        to_user_id=contact.wa_user_id or "",
        type=message.type,
        text=message.text,
        payload=message.payload,
        media=media,
        reply_to_provider_id=message.reply_to_provider_id,
        reference=reference_of(message.pk),
    )


def deliver(message_id: int) -> float | None:
    """Sends one queued message. Returns the delay before the next try when one is due.

    What happens after the claim is recorded whatever the database does meanwhile (within the
    claim): a claim whose send never started is released, and a send WhatsApp accepted is
    recorded as sent until that sticks."""
    if _claim(message_id) is None:
        return None
    try:
        message = Message.objects.select_related("conversation__contact", "line").get(pk=message_id)
    except DatabaseError:
        _release_until_stored(message_id)
        raise
    return _send_claimed(message)


def deliver_loaded(message: Message) -> float | None:
    """`deliver` of a message as the transaction that queued it wrote it, with its conversation,
    contact and line in hand: claimed the same way (so a sweep racing it never sends it too),
    then sent and recorded without reading it again (ADR 0034)."""
    claimed_until = _claim(message.pk)
    if claimed_until is None:
        return None
    message.status, message.claimed_until = DeliveryStatus.SENDING, claimed_until
    message.attempts += 1
    return _send_claimed(message)


def _release_until_stored(message_id: int) -> None:
    seconds = float(settings.OUTBOX_CLAIM_SECONDS)
    until_stored(lambda: _release(message_id), seconds=seconds, what="releasing a claim")


def _send_claimed(message: Message) -> float | None:
    """Sends a message this caller claimed; `message` is the row as the claim left it."""
    message_id = message.pk
    keep_trying = float(settings.OUTBOX_CLAIM_SECONDS)
    try:
        outbound = _outbound(message)
    except DatabaseError:
        _release_until_stored(message_id)
        raise
    except Exception as error:  # e.g. its stored file is gone: trying again will not help
        log.exception("preparing message %s", message_id)
        failure = SendError(f"Could not prepare the message: {error}", retryable=False)
        return until_stored(
            lambda: _failed(message_id, failure), seconds=keep_trying, what="recording a failure"
        )
    try:
        with client_for(message.line) as client:
            outbound = _uploaded(message, outbound, client)
            result = client.send(outbound)
    except SendError as error:
        failure = error
    except Exception as error:  # a bug in a provider client must not leave the row claimed
        log.exception("sending message %s", message_id)
        failure = SendError(f"Unexpected error: {error}", retryable=True)
    else:
        provider_id = result.provider_message_id
        until_stored(
            lambda: _sent_as_claimed(message, provider_id) or _sent(message_id, provider_id),
            seconds=keep_trying,
            what=f"recording message {message_id} as sent",
        )
        return None
    return until_stored(
        lambda: _failed(message_id, failure),
        seconds=keep_trying,
        what=f"recording the failed send of message {message_id}",
    )


def _uploaded(message: Message, outbound: OutboundMessage, client) -> OutboundMessage:
    """On a line that uploads media first: the file uploaded once, its media id kept on the
    message at once, so a retried send (a Graph 500, a lost answer) goes by the same id."""
    media = outbound.media
    if media is None or media.provider_media_id or not capabilities.of(message.line).uploads_media:
        return outbound
    media_id = client.upload_media(media)
    until_stored(
        lambda: Message.objects.filter(pk=message.pk).update(media_provider_id=media_id),
        seconds=float(settings.OUTBOX_CLAIM_SECONDS),
        what=f"keeping the media id of message {message.pk}",
    )
    return replace(outbound, media=replace(media, provider_media_id=media_id, content=None))


def _release(message_id: int) -> None:
    """Gives back a claim whose send never started, and asks for a job to send it."""
    with transaction.atomic():
        released = Message.objects.filter(pk=message_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.QUEUED, claimed_until=None, attempts=F("attempts") - 1
        )
        if released:
            enqueue_send(message_id)


def _sent_as_claimed(message: Message, provider_id: str) -> bool:
    """The record of a send whose row is still as our claim left it (same claim, no provider
    id) and whose provider id no early status waits for: one conditional UPDATE (a prepared
    statement, like the claim: ADR 0039) and its event, nothing read. False when the row moved
    meanwhile: `_sent` settles that case."""
    sent = copy(message)
    sent.provider_id, sent.claimed_until, sent.status = provider_id, None, DeliveryStatus.QUEUED
    status_advanced(sent, DeliveryStatus.SENT)  # "sent" as a forward step, as `_sent` writes it
    meta = Message._meta
    params = [
        sent.status,
        meta.get_field("status_history").get_db_prep_save(sent.status_history, connection),
        provider_id,
        message.pk,
        DeliveryStatus.SENDING.value,
        meta.get_field("claimed_until").get_db_prep_save(message.claimed_until, connection),
        message.line_id,
        provider_id,
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_sent_as_claimed_sql(connection.vendor), params)
            recorded = cursor.rowcount
        if recorded:
            publish_message("message:status", sent, webhooks_of=(WebhookEvent.MESSAGE_SENT,))
    return bool(recorded)


@cache
def _sent_as_claimed_sql(vendor: str) -> str:
    """`sending` under this claim, no provider id and no early status of it -> `sent`."""
    quote, meta, early = connection.ops.quote_name, Message._meta, EarlyStatus._meta

    def column(name: str, of=meta) -> str:
        return quote(of.get_field(name).column)

    status, provider_id = column("status"), column("provider_id")
    return (
        f"UPDATE {quote(meta.db_table)} SET {status} = %s, {column('status_history')} = %s, "  # noqa: S608 (names from the model)
        f"{provider_id} = %s, {column('claimed_until')} = NULL "
        f"WHERE {column('id')} = %s AND {status} = %s AND {column('claimed_until')} = %s "
        f"AND {provider_id} IS NULL AND NOT EXISTS (SELECT 1 FROM {quote(early.db_table)} "
        f"WHERE {column('line', early)} = %s AND {column('provider_id', early)} = %s)"
    )


def _sent(message_id: int, provider_id: str) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.provider_id and message.provider_id != provider_id:
            # settled meanwhile by the status of an earlier send of it: the customer has it twice
            log.warning(
                "message %s was sent twice (%s, then %s)",
                message_id,
                message.provider_id,
                provider_id,
            )
            return
        message.provider_id = provider_id
        message.claimed_until = None
        if message.status in UNSETTLED:
            message.status = DeliveryStatus.QUEUED  # so "sent" is a forward step from here
        moved = status_advanced(message, DeliveryStatus.SENT)
        message.save(update_fields=["provider_id", "claimed_until", "status", *moved])
        _apply_early(message)
        publish_message(
            "message:status",
            message,
            webhooks_of=(WebhookEvent.MESSAGE_SENT, *failed_now(DeliveryStatus.SENT, message)),
        )


def _apply_early(message: Message) -> None:
    """The statuses that arrived before the message's provider id was known, on a locked row."""
    waiting = EarlyStatus.objects.filter(line_id=message.line_id, provider_id=message.provider_id)
    for early in waiting.order_by("pk"):
        status_advance(
            message, early.status, at=early.at, error_code=early.error_code, error=early.error
        )
        early.delete()


def apply_overtaken_statuses(limit: int = 500) -> int:
    """Early statuses whose message has its provider id by now. A status stored as early while
    the send's record was committing is seen by neither side (the record read the early
    statuses before the status was stored); the sweep applies it. Returns the messages moved."""
    known = Message.objects.filter(line_id=OuterRef("line_id"), provider_id=OuterRef("provider_id"))
    overtaken = (
        EarlyStatus.objects.filter(Exists(known))
        .order_by()
        .values_list("line_id", "provider_id")
        .distinct()[:limit]
    )
    moved = 0
    for line_id, provider_id in list(overtaken):
        with transaction.atomic():
            message = (
                Message.objects.select_for_update().filter(line_id=line_id, provider_id=provider_id)
            ).first()
            if message is None:
                continue
            before = message.status
            _apply_early(message)
            publish_message("message:status", message, webhooks_of=failed_now(before, message))
            moved += 1
    return moved


# a send of these may have reached the customer: proof that it did moves them to "sent"
UNSETTLED = {DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.FAILED}


def _failed(message_id: int, error: SendError) -> float | None:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != DeliveryStatus.SENDING:
            return None  # settled meanwhile (a status of this send, or a lapsed claim)
        message.claimed_until = None
        if error.retryable and message.attempts < MAX_ATTEMPTS:
            delay = retry_delay(message.attempts, error.retry_after)
            message.status = DeliveryStatus.QUEUED
            message.next_attempt_at = clock.now() + timedelta(seconds=delay)
            message.error = error.reason[:500]
            message.save(update_fields=["status", "next_attempt_at", "claimed_until", "error"])
            return delay
        message.status = DeliveryStatus.QUEUED
        message.save(update_fields=["claimed_until", "status"])
        status_advance(message, DeliveryStatus.FAILED, error_code=error.code, error=error.reason)
        publish_message("message:status", message, webhooks_of=failed_now("", message))
    return None


def requeue_lost_jobs(limit: int = 500) -> list[int]:
    """Queued rows that are due and have waited OUTBOX_REQUEUE_SECONDS past that without being
    claimed: their job was lost (the queue was down, or a worker died holding it). Each is marked
    so that the next sweeps leave it alone for as long again; returns their ids to enqueue."""
    now = clock.now()
    grace = _seconds("OUTBOX_REQUEUE_SECONDS")
    waited = now - grace
    lost = list(
        Message.objects.filter(status=DeliveryStatus.QUEUED, created_at__lte=waited)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=waited))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if lost:
        Message.objects.filter(pk__in=lost).update(claimed_until=now + grace)
    return lost


def settle_lapsed_claims() -> int:
    """Rows whose claim lapsed: the process died mid-send, so WhatsApp may have the message. A
    send tagged with our reference is settled by its status when one arrives (intake), and sent
    again when none has arrived OUTBOX_UNKNOWN_OUTCOME_SECONDS after the claim lapsed. Other
    providers echo nothing to settle it by, so those rows fail visibly (the agent can resend)
    rather than risk a silent duplicate. Returns how many rows were requeued or failed."""
    now = clock.now()
    lapsed = list(
        Message.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now)
        .select_related("line")
        .order_by("pk")[:500]
    )
    settled = 0
    wait = _seconds("OUTBOX_UNKNOWN_OUTCOME_SECONDS")
    for candidate in lapsed:
        tagged = capabilities.of(candidate.line).echoes_send_reference
        if tagged and candidate.claimed_until + wait > now:
            continue  # WhatsApp's status of the send may still come
        with transaction.atomic():
            message = Message.objects.select_for_update().get(pk=candidate.pk)
            if message.status != DeliveryStatus.SENDING or message.claimed_until != (
                candidate.claimed_until
            ):
                continue
            message.claimed_until = None
            message.status = DeliveryStatus.QUEUED
            if tagged:
                message.next_attempt_at = now
                message.error = "Send outcome unknown and no status from WhatsApp: sent again."
                message.save(update_fields=["status", "claimed_until", "next_attempt_at", "error"])
                enqueue_send(message.pk)
            else:
                message.save(update_fields=["status", "claimed_until"])
                status_advance(
                    message,
                    DeliveryStatus.FAILED,
                    error="Send outcome unknown (the worker stopped while sending); not retried "
                    "to avoid a duplicate.",
                )
                publish_message("message:status", message, webhooks_of=failed_now("", message))
        settled += 1
    return settled


def fetch_inbound_media(message_id: int) -> None:
    message = Message.objects.select_related("line").get(pk=message_id)
    if message.media_file or not message.media_provider_id:
        return
    with client_for(message.line) as client:
        content, mime_type = client.fetch_media(
            MediaRef(provider_media_id=message.media_provider_id, mime_type=message.media_mime_type)
        )
    extension = (mime_type.split("/")[-1].split(";")[0] or "bin")[:10]
    name = message.media_filename or f"{message.media_provider_id}.{extension}"
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.media_file.save(name, ContentFile(content), save=False)
        message.media_size = len(content)
        message.media_mime_type = message.media_mime_type or mime_type
        message.save(update_fields=["media_file", "media_size", "media_mime_type"])
        publish_message("message:status", message)
