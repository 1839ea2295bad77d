"""One inbound webhook, whole: store first (deduplicated), then contact, conversation, statuses,
the bot, and live events after commit. The only place that knows the full order."""

import logging

from django.db import transaction

from ventanilla.contacts.services import contact_for_inbound
from ventanilla.conversations import services as conversations
from ventanilla.conversations import tasks
from ventanilla.conversations.models import EarlyStatus, EventKind
from ventanilla.core import clock
from ventanilla.core.db import retry_transient
from ventanilla.core.errors import InvalidInput
from ventanilla.inbound import bot
from ventanilla.providers.base import InboundMessage, ParsedWebhook, StatusUpdate
from ventanilla.providers.models import Line

log = logging.getLogger(__name__)


@retry_transient(integrity_errors=True)
def receive(*, line_for, parsed: ParsedWebhook) -> dict:
    """Stores a parsed webhook in one transaction. `line_for(line_key)` gives the receiving line
    or None. Raises when anything could not be stored, so the provider retries."""
    counts = {"messages": 0, "duplicates": 0, "statuses": 0, "ignored": 0}
    with transaction.atomic():
        for inbound in parsed.messages:
            line = line_for(inbound.line_key)
            if line is None:
                counts["ignored"] += 1
                continue
            try:
                created = receive_message(line=line, inbound=inbound)
            except InvalidInput as error:  # retrying will not fix it: acknowledge and log
                log.warning("inbound message %s refused: %s", inbound.provider_message_id, error)
                counts["ignored"] += 1
                continue
            counts["messages" if created else "duplicates"] += 1
        for update in parsed.statuses:
            line = line_for(update.line_key)
            if line is None:
                counts["ignored"] += 1
                continue
            apply_status(line=line, update=update)
            counts["statuses"] += 1
    for error in parsed.errors:
        log.warning("provider reported an error in a webhook: %s", error)
    return counts


def receive_message(*, line: Line, inbound: InboundMessage) -> bool:
    """Returns whether the message was new (False: a repeated delivery, nothing else done)."""
    if not inbound.provider_message_id:
        raise ValueError("inbound message without an id")
    contact, contact_created = contact_for_inbound(
        phone=inbound.from_phone,
        wa_user_id=inbound.from_user_id,
        profile_name=inbound.profile_name,
    )
    conversation, conversation_created = conversations.conversation_for_inbound(
        line=line, contact=contact
    )
    message, created = conversations.message_receive(
        line=line, conversation=conversation, inbound=inbound
    )
    if not created:
        return False
    if contact_created:
        conversations.record_event(
            conversation,
            EventKind.CONTACT_CREATED,
            contact_id=contact.pk,
            profile_name=inbound.profile_name,
        )
    conversations.publish_inbound(conversation, message, new_conversation=conversation_created)
    if message.media_provider_id:
        transaction.on_commit(lambda: tasks.fetch_media(message.pk))
    conversation.line = line
    bot.on_customer_message(conversation, message, new_conversation=conversation_created)
    return True


def apply_status(*, line: Line, update: StatusUpdate) -> None:
    message = conversations.status_apply(line=line, update=update)
    if message is None:
        EarlyStatus.objects.create(
            line=line,
            provider_id=update.provider_message_id,
            status=update.status,
            error_code=update.error_code[:20],
            error=update.error_title[:500],
            at=update.timestamp or clock.now(),
        )
