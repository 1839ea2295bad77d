"""Idle conversations close themselves, except where a customer is waiting on us
(docs/product.md#auto-close).

The minutes and the message are read on every run (selectors.auto_close_get): what an admin saved
on the Settings screen, else AUTO_CLOSE_MINUTES / AUTO_CLOSE_MESSAGE."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from ventanilla.conversations.models import Conversation, Direction, Status
from ventanilla.conversations.services import conversation_close
from ventanilla.core import clock
from ventanilla.schedules.selectors import auto_close_get

REASON = "auto_inactivity"
BATCH = 200


def _idle(conversations, cutoff):
    """Bot conversations, and agents' conversations whose last word was ours, idle since cutoff.

    Queued ones never: the customer waits for an agent. Nor an agent's conversation whose last
    message is the customer's: it waits for an answer.
    """
    ours_last = Q(last_message__isnull=True) | ~Q(last_message__direction=Direction.IN)
    return conversations.filter(last_activity_at__lt=cutoff).filter(
        Q(status=Status.BOT) | (Q(status=Status.ACTIVE) & ours_last)
    )


def close_idle_conversations(*, now=None) -> int:
    current = auto_close_get()
    if not current.enabled:
        return 0
    cutoff = (now or clock.now()) - timedelta(minutes=float(current.minutes))
    candidates = list(
        _idle(Conversation.objects.all(), cutoff)
        .order_by("last_activity_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    closed = 0
    for conversation_id in candidates:
        with transaction.atomic():
            # checked again under the row lock: a message that arrived meanwhile wins
            conversation = Conversation.objects.select_for_update().filter(pk=conversation_id)
            conversation = conversation.first()
            still_idle = _idle(Conversation.objects.filter(pk=conversation_id), cutoff).exists()
            if conversation is None or not still_idle:
                continue
            conversation_close(
                conversation=conversation,
                by=None,
                reason=REASON,
                message=current.message,
            )
            closed += 1
    return closed
