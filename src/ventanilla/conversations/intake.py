"""Customers' messages stored as a batch: what one webhook, or every webhook waiting in a busy
process, brings in is read and written with a handful of statements, not a handful per message.

Up front, one statement each: the senders' contacts, their open conversations (locked) and the
provider ids already stored. At `flush`, one statement each: the new messages, the
conversations' counters and last message, and the live events. Whatever must see the batch's
messages in the database (the bot's turn, a new sender's full path) flushes first.

Delivery statuses of our messages go the same way (`statuses_apply`). ADR 0016.
"""

from django.db.models import Q

from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import Sender, teaches_nothing_new
from ventanilla.conversations import outbox, statuses
from ventanilla.conversations.models import (
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageType,
    SenderType,
)
from ventanilla.conversations.publishing import reaction_event, reactions_with
from ventanilla.conversations.serializers import conversation_item, message_item
from ventanilla.conversations.services import locked, open_key_of, open_locked
from ventanilla.conversations.statuses import status_advanced
from ventanilla.conversations.visibility import audience_of, audiences_read
from ventanilla.core import clock, events
from ventanilla.core.db import insert_rows, save_fields
from ventanilla.integrations import services as webhooks
from ventanilla.integrations.models import WebhookEvent
from ventanilla.providers.base import InboundMessage, StatusUpdate
from ventanilla.providers.models import Line, Provider

COUNTERS = [
    "last_message",
    "last_activity_at",
    "last_inbound_at",
    "unread_count",
    "waiting_since",
]


def _contact_keys(conversation: Conversation) -> list[tuple]:
    contact = conversation.contact
    keys = [(conversation.line_id, "phone", contact.phone)] if contact.phone else []
    if contact.wa_user_id:
        keys.append((conversation.line_id, "user", contact.wa_user_id))
    return keys


def _sender_key(line: Line, sender: Sender) -> tuple:
    """How `contacts.services.sender_lookup` finds the sender: by user id first, else by phone."""
    if sender.wa_user_id is not None:
        return (line.pk, "user", sender.wa_user_id)
    return (line.pk, "phone", sender.phone)


class InboundBatch:
    def __init__(self, arrivals: list[tuple[Line, Sender, str]]):
        """`arrivals`: each message's line, validated sender and provider id, in order."""
        self._open: dict[tuple, Conversation] = {}
        self._stored: set[tuple[int, str]] = set()
        self._pending: list[tuple[Conversation, Message, bool]] = []
        by_line: dict[int, tuple[Line, list[Sender], list[str]]] = {}
        for line, sender, provider_id in arrivals:
            _, senders, provider_ids = by_line.setdefault(line.pk, (line, [], []))
            senders.append(sender)
            provider_ids.append(provider_id)
        for line, senders, provider_ids in by_line.values():
            self._read(line, senders, provider_ids)

    def _read(self, line: Line, senders: list[Sender], provider_ids: list[str]) -> None:
        # by the contacts' and the conversations' unique keys: plans that stay right on a busy
        # table whose statistics are stale (a line's conversations are never scanned)
        user_ids = {s.wa_user_id for s in senders if s.wa_user_id is not None}
        phones = {s.phone for s in senders if s.wa_user_id is None}
        contacts = Contact.objects.filter(
            Q(wa_user_id__in=user_ids) | Q(phone__in=phones),
            sandbox=line.provider == Provider.SANDBOX,
        )
        by_key = {open_key_of(line.pk, contact.pk): contact for contact in contacts}
        if by_key:
            rows = Conversation.objects.filter(open_key__in=by_key).order_by("pk")
            for conversation in open_locked(rows):  # one locking order for every process
                conversation.contact = by_key[conversation.open_key]
                self.remember(conversation)
        stored = Message.objects.filter(provider_id__in=set(provider_ids), line=line)
        self._stored.update((line.pk, pid) for pid in stored.values_list("provider_id", flat=True))

    def remember(self, conversation: Conversation) -> None:
        """An open conversation the batch's later messages may go to (with its contact)."""
        for key in _contact_keys(conversation):
            self._open[key] = conversation

    def open_conversation(self, line: Line, sender: Sender) -> Conversation | None:
        """The sender's open conversation, when the sender is known and the message teaches the
        contact nothing new; None when the full path must run (see `flush`)."""
        conversation = self._open.get(_sender_key(line, sender))
        if conversation is None or not teaches_nothing_new(conversation.contact, sender):
            return None
        return conversation

    def already_stored(self, line: Line, provider_id: str) -> bool:
        return (line.pk, provider_id) in self._stored

    def add(
        self,
        *,
        line: Line,
        conversation: Conversation,
        inbound: InboundMessage,
        new_conversation: bool = False,
        awaits_a_person: bool = True,
    ) -> Message:
        """The customer's message, written at the next `flush`; the conversation is updated in
        memory now (it is locked, and flushed before anything else reads it). A message that
        `awaits_a_person` not (a survey's answer) leaves the unread count and the wait alone."""
        now = clock.now()
        media = inbound.media
        message = Message(
            conversation=conversation,
            line=line,
            direction=Direction.IN,
            sender_type=SenderType.CONTACT,
            type=inbound.type,
            text=inbound.text,  # whole: WhatsApp delivers up to 65,536 characters
            payload=inbound.payload,
            media_provider_id=media.provider_media_id if media else "",
            media_mime_type=media.mime_type if media else "",
            media_filename=media.filename if media else "",
            media_size=media.size if media else None,
            provider_id=inbound.provider_message_id,
            reply_to_provider_id=inbound.reply_to_provider_id,
            status=DeliveryStatus.RECEIVED,
            status_history=[{"status": DeliveryStatus.RECEIVED, "at": now.isoformat()}],
            provider_timestamp=inbound.timestamp,
            created_at=now,
        )
        conversation.last_activity_at = now
        conversation.last_inbound_at = now
        if awaits_a_person:
            conversation.unread_count += 1
            if conversation.waiting_since is None:
                conversation.waiting_since = now
        self._stored.add((line.pk, inbound.provider_message_id))
        self._pending.append((conversation, message, new_conversation))
        return message

    def flush(self) -> None:
        """Writes the messages added since the last flush, their conversations' counters and
        their live events, one statement each."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        insert_rows([message for _, message, _ in pending])
        changed: dict[int, Conversation] = {}
        for conversation, message, _ in pending:
            conversation.last_message = message
            changed[conversation.pk] = conversation
        save_fields(list(changed.values()), COUNTERS)
        live = [_events_of_a_customer_message(*row) for row in pending]
        reactions = _reactions_apply(
            [(conversation, message) for conversation, message, _ in pending]
        )
        events.publish_many([event for row in live for event in row] + reactions)
        webhooks.record_many(
            item
            for row, row_live in zip(pending, live, strict=True)
            for item in _webhooks_of_a_customer_message(row, row_live)
        )


def _reactions_apply(arrived: list[tuple[Conversation, Message]]) -> list[tuple]:
    """The customers' reactions among `arrived`, shown on the messages they react to: those
    read at once (locked), changed in memory in order (the latest reaction wins) and saved by
    one statement; a `message:reaction` event each. Nothing is read when no reaction came."""
    reactions = [
        (conversation, message)
        for conversation, message in arrived
        if message.type == MessageType.REACTION
        and isinstance(message.payload, dict)
        and message.payload.get("message_id")
    ]
    if not reactions:
        return []
    targets: dict[tuple[int, str], Message] = {}
    for line_id in {message.line_id for _, message in reactions}:
        ids = {m.payload["message_id"] for _, m in reactions if m.line_id == line_id}
        rows = Message.objects.filter(provider_id__in=ids, line_id=line_id).order_by("pk")
        for target in locked(rows):
            targets[(line_id, target.provider_id)] = target
    changed: dict[int, tuple[Conversation, Message]] = {}
    for conversation, message in reactions:
        target = targets.get((message.line_id, message.payload["message_id"]))
        if target is not None:
            emoji = str(message.payload.get("emoji") or "")
            target.reactions = reactions_with(target.reactions, "contact", emoji)
            changed[target.pk] = (conversation, target)
    if not changed:
        return []
    save_fields([target for _, target in changed.values()], ["payload"])
    return [reaction_event(target, conversation) for conversation, target in changed.values()]


STATUS_FIELDS = ["status", "status_history", "error_code", "error"]
SETTLED_FIELDS = [*STATUS_FIELDS, "provider_id", "claimed_until"]


def _unsettled_by_reference(updates, found) -> dict[tuple[int, str], Message]:
    """Our messages whose send's outcome was lost (no provider id recorded), by the reference the
    provider echoed in a status of theirs: one read, only when such statuses arrive."""
    wanted = {
        (line.pk, update.reference): outbox.message_id_of(update.reference)
        for line, update in updates
        if update.reference and (line.pk, update.provider_message_id) not in found
    }
    ids = {message_id for message_id in wanted.values() if message_id is not None}
    if not ids:
        return {}
    rows = Message.objects.filter(
        pk__in=ids, provider_id__isnull=True, direction=Direction.OUT
    ).order_by("pk")
    messages = {message.pk: message for message in locked(rows.select_related("sender_user"))}
    return {
        (line_id, reference): messages[message_id]
        for (line_id, reference), message_id in wanted.items()
        if message_id in messages and messages[message_id].line_id == line_id
    }


def _settle(message: Message, provider_id: str) -> None:
    """A send whose outcome was lost, proved accepted by the status that names it."""
    message.provider_id = provider_id
    message.claimed_until = None
    if message.status in outbox.UNSETTLED:
        message.status = DeliveryStatus.QUEUED  # so "sent" is a forward step from here
    status_advanced(message, DeliveryStatus.SENT)


def statuses_apply(updates: list[tuple[Line, StatusUpdate]]) -> list[tuple[Line, StatusUpdate]]:
    """Providers' delivery statuses of our messages, applied together, moved forward only, one
    `message:status` event per message changed. Returns the updates whose message is not known
    (yet). Where the database updates and returns in one statement (PostgreSQL, SQLite), each
    round of statuses is one `UPDATE … RETURNING` (ADR 0036); elsewhere the messages are read
    locked and saved (`_statuses_apply_locked`)."""
    if not updates:
        return []
    if not statuses.supported():
        return _statuses_apply_locked(updates)
    moved, unknown = statuses.forward(updates)
    if moved:
        audiences = {message.conversation_id: audience for message, audience in moved}
        _publish_statuses([message for message, _ in moved], audiences, before={})
    # the messages were not there a moment ago: an early status, or a send whose outcome was lost
    return _statuses_apply_locked(unknown, found={}) if unknown else []


def _statuses_apply_locked(
    updates: list[tuple[Line, StatusUpdate]], found: dict | None = None
) -> list[tuple[Line, StatusUpdate]]:
    """`statuses_apply` by a locked read: the messages read once (in id order), moved forward
    in memory, the changed ones saved by one statement. `found={}`: known to be absent (not
    read again)."""
    if found is None:
        found = {}
        for line_id in {line.pk for line, _ in updates}:
            ids = {update.provider_message_id for line, update in updates if line.pk == line_id}
            rows = Message.objects.filter(provider_id__in=ids, line_id=line_id).order_by("pk")
            for message in locked(rows.select_related("sender_user")):
                found[(message.line_id, message.provider_id)] = message
    changed: dict[int, Message] = {}
    unknown = []
    before = {message.pk: message.status for message in found.values()}
    by_reference = _unsettled_by_reference(updates, found)
    for line, update in updates:
        message = found.get((line.pk, update.provider_message_id))
        if message is None and (message := by_reference.get((line.pk, update.reference))):
            before[message.pk] = ""  # settled: our send was accepted after all
            _settle(message, update.provider_message_id)
            found[(line.pk, update.provider_message_id)] = message
            changed[message.pk] = message
        if message is None:
            unknown.append((line, update))
        elif status_advanced(
            message,
            update.status,
            at=update.timestamp,
            error_code=update.error_code,
            error=update.error_title,
        ):
            changed[message.pk] = message
    if changed:
        messages = list(changed.values())
        save_fields(messages, SETTLED_FIELDS if by_reference else STATUS_FIELDS)
        audiences = audiences_read(message.conversation_id for message in messages)
        _publish_statuses(messages, audiences, before)
    return unknown


def _publish_statuses(messages: list[Message], audiences: dict[int, dict], before: dict) -> None:
    """`before`: each message's status before this change, "" for a send it settled; a message
    missing from it had not failed before (statuses never leave "failed")."""
    events.publish_many(
        [
            ("message:status", message_item(message), audiences[message.conversation_id])
            for message in messages
        ]
    )
    webhooks.record_many(_webhooks_of_statuses(messages, before))


def _webhooks_of_statuses(messages: list[Message], before: dict[int, str]) -> list[tuple]:
    """`message.sent` for the sends a status settled, `message.failed` for messages that failed."""
    items = []
    for message in messages:
        key = webhooks.conversation_key(message.conversation_id)
        if before.get(message.pk) == "":
            items.append((WebhookEvent.MESSAGE_SENT, key, lambda m=message: message_item(m)))
        if message.status == DeliveryStatus.FAILED and before.get(message.pk) != message.status:
            items.append((WebhookEvent.MESSAGE_FAILED, key, lambda m=message: message_item(m)))
    return items


def _webhooks_of_a_customer_message(row: tuple, live: list[tuple]) -> list[tuple]:
    """`conversation.created` (a new conversation) and `message.received`, with the payloads of
    their live events."""
    conversation, _message, new_conversation = row
    key = webhooks.conversation_key(conversation.pk)
    by_name = {name: data for name, data, _audience in live}
    items = []
    if new_conversation:
        items.append((WebhookEvent.CONVERSATION_CREATED, key, by_name["conversation:incoming"]))
    items.append((WebhookEvent.MESSAGE_RECEIVED, key, by_name["message:new"]))
    return items


def _events_of_a_customer_message(conversation, message, new_conversation) -> list[tuple]:
    """From the objects in hand (no reads): a new conversation is announced before its first
    message; an existing one is updated after it."""
    audience = audience_of(conversation)
    message_event = ("message:new", message_item(message), audience)
    if new_conversation:
        return [("conversation:incoming", conversation_item(conversation), audience), message_event]
    return [message_event, ("conversation:update", conversation_item(conversation), audience)]
