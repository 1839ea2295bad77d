"""One inbound webhook, whole: store first (deduplicated), then contact, conversation, statuses,
the bot, and live events after commit. The only place that knows the full order."""

import logging
from collections.abc import Callable

from django.db import DatabaseError, transaction

from ventanilla.contacts.services import Sender, contact_for_sender, inbound_sender
from ventanilla.conversations import publishing, tasks
from ventanilla.conversations import services as conversations
from ventanilla.conversations.intake import InboundBatch, statuses_apply
from ventanilla.conversations.models import EarlyStatus, EventKind, MessageType
from ventanilla.core import clock
from ventanilla.core.db import retry_transient
from ventanilla.core.errors import InvalidInput
from ventanilla.core.jobs import enqueue_after_commit
from ventanilla.inbound import bot
from ventanilla.providers.base import InboundMessage, ParsedWebhook, StatusUpdate
from ventanilla.providers.models import Line, Provider
from ventanilla.surveys import services as surveys

log = logging.getLogger(__name__)


LineFor = Callable[[str], Line | None]


@retry_transient(integrity_errors=True)
def receive(*, line_for: LineFor, parsed: ParsedWebhook) -> dict:
    """Stores a parsed webhook in one transaction. `line_for(line_key)` gives the receiving line
    or None. Raises when anything could not be stored, so the provider retries."""
    with transaction.atomic():
        return _store([(line_for, parsed)])[0]


def receive_many(webhooks: list[tuple[LineFor, ParsedWebhook]]) -> list[dict | Exception]:
    """Several webhooks in one transaction: one commit and one broadcast for all, which is what
    keeps up with a busy line. Each gets its counts, or the error that kept it from being stored:
    when anything in the batch fails, each webhook is stored again on its own (with retries), so
    one bad webhook fails alone. Senders are taken in a fixed order so that two processes storing
    batches at once lock the same conversations in the same order."""
    order = sorted(range(len(webhooks)), key=lambda index: _sender_key(webhooks[index][1]))
    if len(webhooks) > 1:
        try:
            with transaction.atomic():
                counts = _store([webhooks[index] for index in order])
            results: list[dict | Exception] = [{} for _ in webhooks]
            for index, webhook_counts in zip(order, counts, strict=True):
                results[index] = webhook_counts
            return results
        except Exception:
            log.info("a batch of %d webhooks failed; storing them one by one", len(webhooks))
    results = [{} for _ in webhooks]
    for index in order:
        line_for, parsed = webhooks[index]
        try:
            results[index] = receive(line_for=line_for, parsed=parsed)
        except Exception as error:
            results[index] = error
    return results


def _sender_key(parsed: ParsedWebhook) -> str:
    for inbound in parsed.messages:
        return inbound.from_user_id or inbound.from_phone or ""
    return ""


def _store(webhooks: list[tuple[LineFor, ParsedWebhook]]) -> list[dict]:
    """The webhooks' messages as one batch (conversations.intake), then their statuses."""
    counts = [{"messages": 0, "duplicates": 0, "statuses": 0, "ignored": 0} for _ in webhooks]
    arrivals = []
    for number, (line_for, parsed) in enumerate(webhooks):
        for inbound in parsed.messages:
            line = line_for(inbound.line_key)
            sender = _valid_sender(inbound, line) if line is not None else None
            if sender is None:
                counts[number]["ignored"] += 1
            else:
                arrivals.append((number, line, inbound, sender))
    batch = InboundBatch(
        [(line, sender, inbound.provider_message_id) for _, line, inbound, sender in arrivals]
    )
    for number, line, inbound, sender in arrivals:
        created = receive_message(batch, line=line, inbound=inbound, sender=sender)
        counts[number]["messages" if created else "duplicates"] += 1
    batch.flush()
    updates = []
    for number, (line_for, parsed) in enumerate(webhooks):
        for update in parsed.statuses:
            line = line_for(update.line_key)
            if line is None:
                counts[number]["ignored"] += 1
            else:
                updates.append((line, update))
                counts[number]["statuses"] += 1
        for error in parsed.errors:
            log.warning("provider reported an error in a webhook: %s", error)
    _keep_early(statuses_apply(updates))
    if transaction.get_rollback():  # a swallowed error doomed the transaction: say so, never 200
        raise DatabaseError("the webhook's transaction was marked for rollback")
    return counts


def _valid_sender(inbound: InboundMessage, line: Line) -> Sender | None:
    """The message's sender, or None (logged) when retrying would never make it valid."""
    if not inbound.provider_message_id:
        raise ValueError("inbound message without an id")
    try:
        return inbound_sender(
            phone=inbound.from_phone,
            wa_user_id=inbound.from_user_id,
            profile_name=inbound.profile_name,
            sandbox=line.provider == Provider.SANDBOX,
        )
    except InvalidInput as error:
        log.warning("inbound message %s refused: %s", inbound.provider_message_id, error)
        return None


def receive_message(
    batch: InboundBatch, *, line: Line, inbound: InboundMessage, sender: Sender
) -> bool:
    """Returns whether the message was new (False: a repeated delivery, nothing else done)."""
    if batch.already_stored(line, inbound.provider_message_id):
        return False
    conversation = batch.open_conversation(line, sender)
    contact_created = conversation_created = False
    if conversation is None:  # a new sender, or one who teaches the contact something
        batch.flush()
        contact, contact_created = contact_for_sender(sender)
        if not contact_created and _survey_answer(batch, line, contact, inbound):
            return True  # on the closed conversation it answers: nothing reopens, no bot
        conversation, conversation_created = conversations.conversation_for_inbound(
            line=line, contact=contact
        )
        batch.remember(conversation)
        if contact_created:
            publishing.record_event(
                conversation,
                EventKind.CONTACT_CREATED,
                contact_id=contact.pk,
                profile_name=inbound.profile_name,
            )
    message = batch.add(
        line=line, conversation=conversation, inbound=inbound, new_conversation=conversation_created
    )
    if message.media_provider_id:
        enqueue_after_commit(lambda: tasks.fetch_media(message.pk), what="fetching media")
    conversation.line = line
    if message.type == MessageType.REACTION:
        return True  # shown on the bubble it reacts to; nothing for the bot to answer
    bot.on_customer_message(
        conversation, message, new_conversation=conversation_created, before_writing=batch.flush
    )
    return True


def _survey_answer(batch: InboundBatch, line: Line, contact, inbound: InboundMessage) -> bool:
    """Whether the message is the answer a survey of this customer awaits (ADR 0031): then it
    is stored on that survey's closed conversation, and goes no further."""

    def store_on(conversation):
        message = batch.add(
            line=line, conversation=conversation, inbound=inbound, awaits_a_person=False
        )
        batch.flush()
        return message

    return surveys.customer_answer(line=line, contact=contact, inbound=inbound, store_on=store_on)


def _keep_early(updates: list[tuple[Line, StatusUpdate]]) -> None:
    """Statuses of messages not known yet: a status can overtake the send that learns the
    message's provider id; the outbox applies them when it does."""
    if updates:
        EarlyStatus.objects.bulk_create(
            [
                EarlyStatus(
                    line=line,
                    provider_id=update.provider_message_id,
                    status=update.status,
                    error_code=update.error_code[:20],
                    error=update.error_title[:500],
                    at=update.timestamp or clock.now(),
                )
                for line, update in updates
            ]
        )
