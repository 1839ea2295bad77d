"""Delivery of queued outgoing messages: claimed atomically, sent once, retried with backoff."""

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q

from ventanilla.contacts.phones import wa_digits
from ventanilla.conversations.models import DeliveryStatus, EarlyStatus, Message
from ventanilla.conversations.services import publish_message, status_advance
from ventanilla.core import clock
from ventanilla.providers.base import MediaRef, OutboundMessage, SendError
from ventanilla.providers.registry import provider_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
CLAIM = timedelta(seconds=120)
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 300


def retry_delay(attempts: int, asked: float | None = None) -> float:
    if asked is not None:
        return max(0.0, float(asked))
    return float(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _claim(message_id: int) -> bool:
    """Marks the row as being sent, if nobody else has; exactly one caller ever wins a row."""
    now = clock.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Message.objects.filter(pk=message_id, status=DeliveryStatus.QUEUED)
        .filter(due)
        .update(
            status=DeliveryStatus.SENDING, claimed_until=now + CLAIM, attempts=F("attempts") + 1
        )
    )


def _outbound(message: Message) -> OutboundMessage:
    contact = message.conversation.contact
    media = None
    if message.media_file:
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
    )


def deliver(message_id: int) -> float | None:
    """Sends one queued message. Returns the delay before the next try when one is due."""
    if not _claim(message_id):
        return None
    message = Message.objects.select_related("conversation__contact", "line").get(pk=message_id)
    try:
        result = provider_for(message.line).send(_outbound(message))
    except SendError as error:
        return _failed(message, error)
    except Exception as error:  # a bug in a provider client must not leave the row claimed
        log.exception("sending message %s", message_id)
        return _failed(message, SendError(f"Unexpected error: {error}", retryable=True))
    _sent(message, result.provider_message_id)
    return None


def _sent(message: Message, provider_id: str) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        message.provider_id = provider_id
        message.claimed_until = None
        message.status = DeliveryStatus.QUEUED  # so "sent" is a forward step from here
        message.save(update_fields=["provider_id", "claimed_until", "status"])
        status_advance(message, DeliveryStatus.SENT)
        for early in EarlyStatus.objects.filter(line_id=message.line_id, provider_id=provider_id):
            status_advance(
                message, early.status, at=early.at, error_code=early.error_code, error=early.error
            )
            early.delete()
        publish_message("message:status", message)


def _failed(message: Message, error: SendError) -> float | None:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
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
        publish_message("message:status", message)
    return None


def due_for_sending(limit: int = 500) -> list[int]:
    """Queued rows whose job was lost or whose retry time has come (the sweep re-enqueues them)."""
    now = clock.now()
    return list(
        Message.objects.filter(status=DeliveryStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def abandon_stale_claims() -> int:
    """Rows claimed by a process that died mid-send: the provider may have taken them, so they
    are marked failed (the agent can resend) rather than sent a second time."""
    stale = list(
        Message.objects.filter(
            status=DeliveryStatus.SENDING, claimed_until__lt=clock.now()
        ).values_list("pk", flat=True)[:500]
    )
    for message_id in stale:
        with transaction.atomic():
            message = Message.objects.select_for_update().get(pk=message_id)
            if message.status != DeliveryStatus.SENDING:
                continue
            message.status = DeliveryStatus.QUEUED
            message.claimed_until = None
            message.save(update_fields=["status", "claimed_until"])
            status_advance(
                message,
                DeliveryStatus.FAILED,
                error="Send outcome unknown (the worker stopped while sending); not retried "
                "to avoid a duplicate.",
            )
            publish_message("message:status", message)
    return len(stale)


def fetch_inbound_media(message_id: int) -> None:
    message = Message.objects.select_related("line").get(pk=message_id)
    if message.media_file or not message.media_provider_id:
        return
    content, mime_type = provider_for(message.line).fetch_media(
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
