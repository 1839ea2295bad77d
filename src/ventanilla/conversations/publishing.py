"""Live events and outgoing webhook events of conversations and messages, and the hand-over of a
message to the senders: what every write on a conversation publishes after commit."""

import copy

from ventanilla.conversations.models import (
    REACTION_SIDES,
    Conversation,
    ConversationEvent,
    DeliveryStatus,
    Message,
)
from ventanilla.conversations.serializers import conversation_item, message_item
from ventanilla.conversations.visibility import audience_of, audiences_read
from ventanilla.core import clock, events
from ventanilla.core.db import insert_rows
from ventanilla.core.jobs import enqueue_named_after_commit, hand_over_after_commit, named_function
from ventanilla.integrations import services as webhooks
from ventanilla.integrations.models import WebhookEvent

# the jobs of `tasks` these services and the outbox queue (that module imports them)
SEND_MESSAGE = "conversations.send-message"
SEND_READ_RECEIPT = "conversations.send-read-receipt"
SEND_LOADED = "conversations.send-loaded"  # in-process, not a job: the message as written


def enqueue_send(message_id: int) -> None:
    """Queues the job that sends the message, once the current change commits."""
    enqueue_named_after_commit(SEND_MESSAGE, message_id, what="sending a message")


def send_after_commit(message: Message) -> None:
    """Sends a message just queued from this process's sender threads once the current change
    commits, with the row as written (no job, no second read: ADR 0034); where no sender thread
    takes it, through the send job. The row is the durable record either way: if this process
    dies first, the outbox sweep finds it queued."""
    written = copy.copy(message)  # the sender's own: the caller may go on with `message`
    hand_over_after_commit(
        message.conversation_id,
        lambda: named_function(SEND_LOADED)(written),
        otherwise=lambda: named_function(SEND_MESSAGE)(written.pk),
        what="sending a message",
    )


def _with_relations(conversation_id: int) -> Conversation:
    return Conversation.objects.select_related(
        "contact", "area", "assigned_to", "last_message", "last_message__sender_user"
    ).get(pk=conversation_id)


def publish_conversation(
    name: str, conversation: Conversation, *, previous_audience=None, webhooks_of=(), held=False
) -> None:
    """`conversation:*` event to everyone who may see the conversation now; those who could only
    see it before the change are told it left their view (see realtime.consumers). The outgoing
    webhook events `webhooks_of` are recorded with the same conversation item. `held`: the
    caller holds it locked with its contact, area, assignee and last message as they are now
    (not read again)."""
    fresh = conversation if held else _with_relations(conversation.pk)
    audience = audience_of(fresh)
    if previous_audience and previous_audience != audience:
        audience["previous"] = previous_audience
    item = conversation_item(fresh)
    events.publish(name, item, audience=audience)
    key = webhooks.conversation_key(conversation.pk)
    webhooks.record_many([(event, key, item) for event in webhooks_of])


def record_conversation_webhook(event: str, conversation_id: int) -> None:
    """An outgoing webhook event about the conversation as it is now (read only when someone
    subscribed to `event`)."""
    webhooks.record(
        event,
        key=webhooks.conversation_key(conversation_id),
        data=lambda: conversation_item(_with_relations(conversation_id)),
    )


def publish_message(name: str, message: Message, *, webhooks_of=()) -> None:
    audience = audiences_read([message.conversation_id])[message.conversation_id]
    item = message_item(message)
    events.publish(name, item, audience=audience)
    key = webhooks.conversation_key(message.conversation_id)
    webhooks.record_many([(event, key, item) for event in webhooks_of])


def failed_now(before: str, message: Message) -> tuple[str, ...]:
    """The `message.failed` webhook event when the message's status just became failed."""
    failed = message.status == DeliveryStatus.FAILED and before != DeliveryStatus.FAILED
    return (WebhookEvent.MESSAGE_FAILED,) if failed else ()


def reaction_event(target: Message, conversation: Conversation) -> tuple[str, dict, dict]:
    """`message:reaction`: the bubble of `target` shows other reactions now; `conversation` is
    the open one the reaction came in (or went out) on, whose thread shows the bubble."""
    data = {"id": target.pk, "conversation_id": conversation.pk, "reactions": target.reactions}
    return "message:reaction", data, audience_of(conversation)


def publish_reaction(target: Message, conversation: Conversation) -> None:
    name, data, audience = reaction_event(target, conversation)
    events.publish(name, data, audience=audience)


def reactions_with(reactions, side: str, emoji: str) -> dict:
    """`reactions` with `side`'s reaction set to `emoji` ("" takes it away)."""
    if side not in REACTION_SIDES:
        raise ValueError(f"unknown reaction side {side!r}")
    changed = {k: v for k, v in (reactions or {}).items() if k in REACTION_SIDES and k != side}
    if emoji:
        changed[side] = emoji
    return changed


def record_event(conversation: Conversation, kind: str, *, actor=None, **data) -> None:
    insert_rows(
        [
            ConversationEvent(
                conversation=conversation, kind=kind, actor=actor, data=data, created_at=clock.now()
            )
        ]
    )
