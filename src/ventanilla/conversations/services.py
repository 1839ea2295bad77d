"""Writes on conversations and messages. Each publishes its live events after commit."""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
from ventanilla.accounts.permissions import TAKES_CONVERSATIONS, is_admin
from ventanilla.contacts.models import Contact
from ventanilla.conversations import permissions, selectors, signals
from ventanilla.conversations.daycounts import area_changed
from ventanilla.conversations.models import (
    FOLLOW_UP_SINGLETON_ID,
    OPEN_STATUSES,
    REACTION_SIDES,
    REOPEN_WINDOW_MAX_HOURS,
    STATUS_RANK,
    Conversation,
    ConversationEvent,
    DeliveryStatus,
    Direction,
    EventKind,
    FollowUpSetting,
    Message,
    MessageType,
    SenderType,
    Status,
)
from ventanilla.conversations.serializers import conversation_item, message_item
from ventanilla.conversations.visibility import audience_of, audiences_read
from ventanilla.core import attachments, audit, clock, events
from ventanilla.core.db import insert_rows, save_fields
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.core.fields import MAX_ID, UNSET, FieldErrors
from ventanilla.core.jobs import enqueue_named_after_commit, hand_over_after_commit, named_function
from ventanilla.integrations import services as webhooks
from ventanilla.integrations.models import WebhookEvent
from ventanilla.providers import capabilities
from ventanilla.providers.models import Line, Provider, TemplateStatus
from ventanilla.providers.selectors import template_find
from ventanilla.providers.templates import (
    body_component,
    parameter_count,
    parameter_problem,
    render,
    unsupported_reason,
)
from ventanilla.quickreplies import selectors as quick_replies

DEFAULT_CLOSING_TEXT = "✅ Chat finalizado por el operador"
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
MAX_TEXT_LENGTH = 4096
BOT_CLOSED_REASON = "bot"  # the closed_reason of a conversation the bot's flow closed


# --- events ------------------------------------------------------------------------------------


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


# --- inbound -----------------------------------------------------------------------------------


def locked(rows):
    """The rows (not the joined ones where the database can tell them apart) locked until
    commit; SQLite serialises writers anyway."""
    if connection.features.has_select_for_update_of:
        return rows.select_for_update(of=("self",))
    if connection.vendor != "sqlite":  # MariaDB locks the joined rows too; harmless here
        return rows.select_for_update()
    return rows


def open_locked(rows):
    """Open conversations with area and assignee, locked until commit so concurrent messages of
    one conversation update it one after the other."""
    return locked(rows.select_related("area", "assigned_to"))


def open_key_of(line_id: int, contact_id: int) -> str:
    return f"{line_id}:{contact_id}"


def _open_conversation_locked(key: str) -> Conversation | None:
    return open_locked(Conversation.objects.filter(open_key=key)).first()


def conversation_for_inbound(*, line: Line, contact: Contact) -> tuple[Conversation, bool]:
    """The open conversation of this contact on this line, or a new one.

    A concurrent webhook creating the same conversation makes the insert fail on the unique
    `open_key`; the caller's transaction is then retried (inbound.pipeline) and finds it.
    """
    if contact.sandbox != (line.provider == Provider.SANDBOX):
        raise ValueError("the sandbox line talks with sandbox contacts only (ADR 0018)")
    key = open_key_of(line.pk, contact.pk)
    existing = _open_conversation_locked(key)
    if existing is not None:
        existing.contact = contact
        return existing, False
    now = clock.now()
    conversation = Conversation(
        line=line,
        contact=contact,
        open_key=key,
        status=Status.BOT,
        area=contact.area,
        last_activity_at=now,
        created_at=now,
    )
    insert_rows([conversation])
    record_event(conversation, EventKind.CREATED)
    return conversation, True


# --- statuses ----------------------------------------------------------------------------------


def status_advance(message: Message, status: str, *, at=None, error_code="", error="") -> bool:
    """Moves a message's status forward (never back) and saves it; returns whether it changed."""
    fields = status_advanced(message, status, at=at, error_code=error_code, error=error)
    if fields:
        message.save(update_fields=fields)
    return bool(fields)


def status_advanced(
    message: Message, status: str, *, at=None, error_code="", error=""
) -> list[str]:
    """`status_advance` in memory only: the fields it changed (none when it would go back)."""
    if status not in STATUS_RANK:
        return []
    current = message.status
    if current == status:
        return []
    if current == DeliveryStatus.READ:
        return []
    if status != DeliveryStatus.FAILED and STATUS_RANK[status] < STATUS_RANK.get(current, 0):
        return []
    message.status = status
    message.status_history = [*message.status_history, status_entry(status, at, error_code, error)]
    fields = ["status", "status_history"]
    if status == DeliveryStatus.FAILED:
        message.error_code, message.error = error_code[:20], error[:500]
        fields += ["error_code", "error"]
    return fields


def status_entry(status: str, at=None, error_code: str = "", error: str = "") -> dict:
    """A step of a message's `status_history`."""
    entry = {"status": status, "at": (at or clock.now()).isoformat()}
    if error_code or error:
        entry.update(error_code=error_code, error=error)
    return entry


# --- outbound ----------------------------------------------------------------------------------


def window_open(conversation: Conversation, line: Line) -> bool:
    """Whether free text may be sent: on a line with a customer-service window (the Cloud API), for
    24 h after the customer wrote."""
    if not capabilities.of(line).customer_service_window:
        return True
    last = conversation.last_inbound_at
    return last is not None and clock.now() - last < CUSTOMER_SERVICE_WINDOW


def _media_fields(attachment: attachments.Attachment | None) -> dict:
    if attachment is None:
        return {}
    stored = attachment.stored_as or File(attachment.file, name=attachment.stored_name())
    return {
        "media_file": stored,
        "media_mime_type": attachment.mime_type,
        "media_filename": attachment.filename,
        "media_size": attachment.size,
    }


def _answered(now: datetime) -> dict:
    """What an agent's message changes: nobody waits any more, the first response since the
    conversation came to its area is this one unless there was one (routing clears it), and so
    is the first reply since its assignment (the assignment clears it)."""
    at_now = Value(now, output_field=DateTimeField())
    since_assigned = Case(When(assigned_at__lte=now, then=at_now), output_field=DateTimeField())
    return {
        "waiting_since": None,
        "first_responded_at": Coalesce("first_responded_at", at_now),
        "first_reply_since_assigned_at": Coalesce("first_reply_since_assigned_at", since_assigned),
    }


def message_queue_outbound(
    *,
    conversation: Conversation,
    sender_type: str,
    text: str = "",
    sender_user: User | None = None,
    type: str = MessageType.TEXT,
    payload: dict | None = None,
    check_window: bool = True,
    attachment: attachments.Attachment | None = None,
    reply_to_provider_id: str = "",
) -> Message:
    """Writes an outgoing message as `queued`; the send job is enqueued when this commits. With
    an `attachment` (checked by `attachments.checked`) the message is of its kind, `text` its
    caption, and the file is stored with it."""
    type = attachment.kind if attachment else type
    text = _checked_text(text, type)
    line = conversation.line
    if check_window and type != MessageType.TEMPLATE and not window_open(conversation, line):
        raise Conflict(
            _(
                "Pasaron más de 24 horas desde el último mensaje del cliente: ahora WhatsApp solo "
                "acepta plantillas."
            ),
            {"text": [_("La ventana de 24 horas está cerrada.")]},
        )
    now = clock.now()
    message = Message.objects.create(
        conversation=conversation,
        line=line,
        direction=Direction.OUT,
        sender_type=sender_type,
        sender_user=sender_user,
        type=type,
        text=text,
        payload=payload or {},
        reply_to_provider_id=reply_to_provider_id,
        status=DeliveryStatus.QUEUED,
        status_history=[{"status": DeliveryStatus.QUEUED, "at": now.isoformat()}],
        created_at=now,
        **_media_fields(attachment),
    )
    answered = _answered(now) if sender_type == SenderType.AGENT else {}
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_activity_at=now, **answered
    )
    publish_message("message:new", message)
    send_after_commit(message)
    return message


def _checked_text(text: str, type: str) -> str:
    text = text.strip() if type == MessageType.TEXT else text
    if type == MessageType.TEXT and not text:
        raise InvalidInput.field("text", _("Escribí un mensaje."))
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput.field(
            "text",
            _("WhatsApp acepta hasta %(limit_value)d caracteres.")
            % {"limit_value": MAX_TEXT_LENGTH},
        )
    return text


@dataclass(frozen=True)
class BotReply:
    text: str
    type: str = MessageType.TEXT
    payload: dict | None = None


def bot_turn_record(
    *, conversation: Conversation, replies: list[BotReply], bot_state: dict
) -> list[Message]:
    """The bot's replies of one turn queued together with its new state (`bot_state`: fields of
    the conversation): the messages by one INSERT (one each where the database cannot return a
    batch's ids), the state and the last message by one UPDATE, their `message:new` events by
    one statement; each sent after commit as `message_queue_outbound`'s are. `conversation` is
    the caller's, locked by it and current: its audience is taken as it is (nothing read)."""
    now = clock.now()
    messages = [
        Message(
            conversation=conversation,
            line=conversation.line,
            direction=Direction.OUT,
            sender_type=SenderType.BOT,
            type=reply.type,
            text=_checked_text(reply.text, reply.type),
            payload=reply.payload or {},
            status=DeliveryStatus.QUEUED,
            status_history=[{"status": DeliveryStatus.QUEUED, "at": now.isoformat()}],
            created_at=now,
        )
        for reply in replies
    ]
    insert_rows(messages)
    written = dict(bot_state)
    if messages:
        written.update(last_message=messages[-1], last_activity_at=now)
    for name, value in written.items():
        setattr(conversation, name, value)
    if written:
        save_fields([conversation], list(written))
    if messages:
        audience = audience_of(conversation)
        events.publish_many([("message:new", message_item(m), audience) for m in messages])
    for message in messages:
        send_after_commit(message)
    return messages


# --- people acting on conversations -----------------------------------------------------------


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, user: User, by: User | None = None, **why
) -> Conversation:
    conversation = _locked(conversation)
    before = audience_of(conversation)
    now = clock.now()
    conversation.assigned_to = user
    conversation.status = Status.ACTIVE
    conversation.bot_active = False
    conversation.assigned_at = now
    conversation.first_reply_since_assigned_at = None
    conversation.queue_reason = ""
    conversation.save(
        update_fields=[
            "assigned_to",
            "status",
            "bot_active",
            "assigned_at",
            "first_reply_since_assigned_at",
            "queue_reason",
        ]
    )
    record_event(conversation, EventKind.ASSIGNED, actor=by, user_id=user.pk, **why)
    publish_conversation(
        "conversation:update",
        conversation,
        previous_audience=before,
        webhooks_of=(WebhookEvent.CONVERSATION_ASSIGNED,),
    )
    return conversation


@transaction.atomic
def conversation_queue(
    *, conversation: Conversation, area: Area, by: User | None = None, **why
) -> Conversation:
    conversation = _locked(conversation)
    before = audience_of(conversation)
    if conversation.area_id != area.pk:
        area_changed(conversation)
    conversation.area = area
    conversation.assigned_to = None
    conversation.status = Status.QUEUED
    conversation.bot_active = False
    conversation.queued_at = clock.now()
    conversation.queue_reason = str(why.get("reason") or "")[:20]
    conversation.save(
        update_fields=["area", "assigned_to", "status", "bot_active", "queued_at", "queue_reason"]
    )
    record_event(conversation, EventKind.QUEUED, actor=by, area_id=area.pk, **why)
    publish_conversation("conversation:update", conversation, previous_audience=before)
    return conversation


def conversation_restart_targets(
    *,
    conversation: Conversation,
    first_response_due_at: datetime | None,
    resolution_due_at: datetime | None,
) -> None:
    """The conversation came to an area: its deadlines are now that area's, and a first
    response is owed again (ADR 0032). The caller publishes the change with its own."""
    fields = {
        "first_response_due_at": first_response_due_at,
        "resolution_due_at": resolution_due_at,
        "first_responded_at": None,
    }
    if all(getattr(conversation, field) == value for field, value in fields.items()):
        return
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    for field, value in fields.items():
        setattr(conversation, field, value)


def conversation_requeue_reason(*, conversation: Conversation, reason: str) -> None:
    """A queued conversation still waits, now for `reason` (the area opened, but nobody is
    available): its row says so. No event: the wait goes on."""
    reason = str(reason)[:20]
    Conversation.objects.filter(pk=conversation.pk, status=Status.QUEUED).update(
        queue_reason=reason
    )
    conversation.queue_reason = reason
    publish_conversation("conversation:update", conversation)


def conversation_transfer(
    *, conversation: Conversation, by: User, area: Area | None = None, user: User | None = None
) -> Conversation:
    """Queues the conversation in `area`, or hands it to `user` when
    `permissions.check_transfer_to_person` lets `by` do so. People transfer through
    `routing.services.transfer`, which routes a transfer to an area."""
    if (area is None) == (user is None):
        raise InvalidInput.field("area_id", _("Indicá un área o un usuario al que transferir."))
    if user is None and not area.is_active:
        raise InvalidInput.field("area_id", _("Esa área está desactivada."))
    with transaction.atomic():
        conversation = _locked(conversation)
        if user is not None:
            permissions.check_transfer_to_person(by=by, conversation=conversation, user=user)
        if conversation.status == Status.CLOSED:
            raise Conflict(_("La conversación está cerrada; reabrila antes."))
        record_event(
            conversation,
            EventKind.TRANSFERRED,
            actor=by,
            area_id=area.pk if area else None,
            user_id=user.pk if user else None,
        )
        unread_again(conversation)
        if user is not None:
            conversation = conversation_assign(conversation=conversation, user=user, by=by)
        else:
            conversation = conversation_queue(conversation=conversation, area=area, by=by)
        record_conversation_webhook(WebhookEvent.CONVERSATION_TRANSFERRED, conversation.pk)
        return conversation


def mark_unread_for_transfer(conversation: Conversation) -> None:
    """A transferred conversation arrives unread for whoever gets it, even when the one who
    passed it on had read everything (ADR 0026); the transfer's own event carries the count."""
    Conversation.objects.filter(pk=conversation.pk, unread_count=0).update(unread_count=1)


def unread_again(conversation: Conversation) -> None:
    """A transfer hands on the customer's unanswered messages unread: whoever read them before
    did not answer, and the next person must see that someone waits."""
    if conversation.waiting_since is None:
        return
    waiting = conversation.messages.filter(
        direction=Direction.IN, created_at__gte=conversation.waiting_since
    ).count()
    if waiting > conversation.unread_count:
        conversation.unread_count = waiting
        conversation.save(update_fields=["unread_count"])


def conversation_close(
    *,
    conversation: Conversation,
    by: User | None,
    reason: str = "",
    message: str | None = None,
    held: bool = False,
) -> Conversation:
    """Closes the conversation and sends the closing text (None: the default; "": nothing).
    `held`: the caller holds it locked, current, with its relations (the bot's turn, inside the
    webhook's transaction): it is not read again."""
    with transaction.atomic():
        if not held:
            conversation = _locked(conversation)
        if conversation.status == Status.CLOSED:
            raise Conflict(_("La conversación ya estaba cerrada."))
        closing_text = DEFAULT_CLOSING_TEXT if message is None else message.strip()
        if closing_text and window_open(conversation, conversation.line):
            message_queue_outbound(
                conversation=conversation,
                sender_type=SenderType.SYSTEM if by is None else SenderType.AGENT,
                sender_user=by,
                text=closing_text,
            )
        now = clock.now()
        conversation.status = Status.CLOSED
        conversation.open_key = None
        conversation.bot_active = False
        conversation.closed_at = now
        conversation.closed_by = by
        conversation.closed_reason = reason.strip()[:200]
        save_fields(
            [conversation],
            ["status", "open_key", "bot_active", "closed_at", "closed_by", "closed_reason"],
        )
        record_event(conversation, EventKind.CLOSED, actor=by, reason=conversation.closed_reason)
        publish_conversation(
            "conversation:closed",
            conversation,
            webhooks_of=(WebhookEvent.CONVERSATION_CLOSED,),
            held=held,
        )
        signals.conversation_closed.send(sender=Conversation, conversation=conversation, by=by)
    return conversation


def conversation_reopen(*, conversation: Conversation, by: User) -> Conversation:
    """Reopens a closed conversation: leads any time; its agent, or anyone who may see the
    contact, within the desk's follow-up window (`permissions.check_follow_up`)."""
    permissions.REOPEN.check(by)
    with transaction.atomic():
        conversation = _locked(conversation)
        if conversation.status != Status.CLOSED:
            raise Conflict(_("La conversación no está cerrada."))
        permissions.check_follow_up(
            by=by,
            conversation=conversation,
            window_hours=selectors.follow_up_get().reopen_hours,
            now=clock.now(),
        )
        key = f"{conversation.line_id}:{conversation.contact_id}"
        if Conversation.objects.filter(open_key=key).exists():
            raise Conflict(_("El cliente ya tiene una conversación abierta más nueva."))
        before = audience_of(conversation)
        conversation.open_key = key
        conversation.last_activity_at = clock.now()  # auto-close counts idleness from here
        conversation.closed_at = None
        conversation.closed_by = None
        conversation.closed_reason = ""
        # a follow-up is someone of the desk writing: no target runs (ADR 0032)
        conversation.first_response_due_at = None
        conversation.resolution_due_at = None
        if conversation.assigned_to_id is None and not is_admin(by) and conversation.area_id:
            conversation.status = Status.QUEUED
        else:
            conversation.status = Status.ACTIVE
            if conversation.assigned_to_id is None:
                conversation.assigned_to = by
        conversation.save()
        record_event(conversation, EventKind.REOPENED, actor=by)
        publish_conversation("conversation:update", conversation, previous_audience=before)
    return conversation


def conversation_follow_up(
    *, conversation: Conversation, by: User, text: str = "", template: dict | None = None
) -> Message:
    """Writes to the customer of a closed conversation: reopens it (the rule of
    `conversation_reopen`), makes it the writer's and sends `text` or `template`, all or
    nothing. Outside WhatsApp's 24-hour window only a template goes (free text is 409, as in
    `agent_reply`, and nothing is reopened); lines without templates have no window."""
    with transaction.atomic():
        conversation_reopen(conversation=conversation, by=by)
        conversation = _locked(conversation)
        if conversation.assigned_to_id != by.pk and by.role in TAKES_CONVERSATIONS:
            conversation_assign(conversation=conversation, user=by, by=by, via="follow_up")
        return agent_reply(conversation=conversation, by=by, text=text, template=template)


def contact_follow_up(
    *, contact_id: int, by: User, text: str = "", template: dict | None = None
) -> Message:
    """Writes to a contact `by` may see after their conversation closed: its newest
    conversation, reopened (`conversation_follow_up`). 404 for a contact `by` may not see or
    who never wrote; 409 while a conversation of theirs is open (write there)."""
    if not permissions.sees_contact(by, contact_id):
        raise NotFound(_("Contacto inexistente."))
    conversation = selectors.contact_latest_conversation(contact_id=contact_id)
    if conversation is None:
        raise NotFound(_("Ese contacto todavía no escribió: no hay conversación que retomar."))
    if conversation.status != Status.CLOSED:
        raise Conflict(
            _("El contacto tiene una conversación abierta (%(id)d): escribí en ella.")
            % {"id": conversation.pk}
        )
    return conversation_follow_up(conversation=conversation, by=by, text=text, template=template)


def follow_up_update(*, by: User | None, reopen_hours=UNSET) -> FollowUpSetting | None:
    """Saves the follow-up window in hours (0 to REOPEN_WINDOW_MAX_HOURS; 0: only leads
    reopen); None puts it back on REOPEN_WINDOW_HOURS. Checked before anything is written."""
    permissions.MANAGE_FOLLOW_UP.check(by)
    if reopen_hours is UNSET:
        return FollowUpSetting.objects.filter(pk=FOLLOW_UP_SINGLETON_ID).first()
    if reopen_hours is not None and (
        isinstance(reopen_hours, bool)
        or not isinstance(reopen_hours, int)
        or not 0 <= reopen_hours <= REOPEN_WINDOW_MAX_HOURS
    ):
        raise InvalidInput.field(
            "reopen_hours",
            _("Usá un número entero de horas de 0 a %(max)d.") % {"max": REOPEN_WINDOW_MAX_HOURS},
        )
    with transaction.atomic():
        FollowUpSetting.objects.get_or_create(pk=FOLLOW_UP_SINGLETON_ID)
        row = FollowUpSetting.objects.select_for_update().get(pk=FOLLOW_UP_SINGLETON_ID)
        before = {"reopen_hours": row.reopen_hours}
        row.reopen_hours = reopen_hours
        row.updated_by = by
        row.save()
        audit.record(
            "settings.follow_up",
            target_type="setting",
            target_id="follow-up",
            target_label="follow-up",
            changes=audit.diff(before, {"reopen_hours": reopen_hours}),
            actor=by,
        )
    return row


def conversation_mark_read(*, conversation: Conversation, by: User) -> list[str]:
    """Clears the unread count and queues the read receipt of the newest customer message (once
    committed); returns the provider ids of the customer messages read.

    Unread counts belong to the assignee: a supervisor glancing at a colleague's conversation
    leaves it unread for them (anyone clears it while nobody is assigned)."""
    with transaction.atomic():
        conversation = _locked(conversation)
        if conversation.unread_count == 0 or conversation.assigned_to_id not in (None, by.pk):
            return []
        unread = list(
            conversation.messages.filter(direction=Direction.IN)
            .order_by("-id")
            .values_list("provider_id", flat=True)[: conversation.unread_count]
        )
        conversation.unread_count = 0
        conversation.save(update_fields=["unread_count"])
        record_event(conversation, EventKind.READ, actor=by)
        publish_conversation("conversation:update", conversation)
    read = [provider_id for provider_id in unread if provider_id]
    if read:
        enqueue_named_after_commit(
            SEND_READ_RECEIPT, conversation.line_id, read[0], what="a read receipt"
        )
    return read


def is_open(conversation: Conversation) -> bool:
    return conversation.status in OPEN_STATUSES


def agent_attach(*, conversation: Conversation, by: User, file, caption: str = "") -> Message:
    """A person sends a file with an optional caption: checked (kind by its bytes, WhatsApp's
    size for that kind, the caption) before anything is written, then sent as a reply."""
    attachment, caption = attachments.checked(file, caption)
    return agent_reply(conversation=conversation, by=by, text=caption, attachment=attachment)


def agent_send_quick_reply(
    *,
    conversation: Conversation,
    by: User,
    quick_reply_id: int,
    text: str = "",
    template: dict | None = None,
    reply_to: int | None = None,
) -> Message:
    """A person sends a quick reply's file as if they had attached it, with `text` (its text as
    they left it in the composer) as the caption where the file's kind shows one and it fits;
    otherwise the text goes as its own message right after the file. Returns the file's
    message; nothing is written when either is refused."""
    if template is not None:
        raise InvalidInput.field("template", _("Una respuesta rápida no va con una plantilla."))
    reply = quick_replies.quick_reply_for_chat(
        user=by, quick_reply_id=quick_reply_id, chat_area_id=conversation.area_id
    )
    attachment = quick_replies.attachment_of(reply)
    if attachment is None:
        raise InvalidInput.field(
            "quick_reply_id", _("Esa respuesta rápida no tiene archivo: enviá su texto.")
        )
    text = (text or "").strip()
    as_caption = quick_replies.captioned(reply) and len(text) <= attachments.CAPTION_MAX
    with transaction.atomic():
        sent = agent_reply(
            conversation=conversation,
            by=by,
            text=text if as_caption else "",
            attachment=attachment,
            reply_to=reply_to,
        )
        if text and not as_caption:
            agent_reply(conversation=conversation, by=by, text=text)
    return sent


def _quoted(conversation: Conversation, reply_to: int | None) -> str:
    """The provider id of the message of `conversation` an answer quotes ("" for none)."""
    if reply_to is None:
        return ""
    quoted = (
        conversation.messages.filter(pk=reply_to if 1 <= reply_to <= MAX_ID else 0)
        .exclude(type=MessageType.REACTION)
        .values_list("provider_id", flat=True)
        .first()
    )
    if not quoted:
        raise InvalidInput.field(
            "reply_to", _("Solo se puede citar un mensaje enviado de esta conversación.")
        )
    return quoted


def _template_problems(line: Line, template: dict, errors: FieldErrors) -> tuple[str, dict]:
    """The rendered text and the payload of a template send, after every check WhatsApp would
    make (docs/whatsapp.md#templates); problems go to `errors`, named `template.<field>`."""
    if not capabilities.of(line).message_templates:
        errors.add("template", _("Esta línea no usa plantillas: escribí el mensaje."))
        return "", {}
    name, language = template.get("name"), template.get("language")
    parameters = template.get("parameters")
    parameters = [] if parameters is None else parameters
    if not isinstance(name, str) or not name.strip():
        errors.add("template.name", _("Elegí una plantilla."))
    if not isinstance(language, str) or not language.strip():
        errors.add("template.language", _("Indicá el idioma de la plantilla."))
    if not isinstance(parameters, list):
        errors.add("template.parameters", _("Los parámetros van en una lista de textos."))
    if errors.errors:
        return "", {}
    found = template_find(line=line, name=name.strip(), language=language.strip())
    if found is None:
        errors.add(
            "template.name",
            _("La línea no tiene la plantilla «%(name)s» en %(language)s.")
            % {"name": name, "language": language},
        )
        return "", {}
    if found.status != TemplateStatus.APPROVED:
        errors.add(
            "template.name",
            _("La plantilla no está aprobada (%(status)s).") % {"status": found.status},
        )
    elif unsupported_reason(found.components):
        errors.add("template.name", unsupported_reason(found.components))
    expected = parameter_count(found.components)
    if len(parameters) != expected:
        errors.add(
            "template.parameters",
            _("La plantilla lleva %(expected)d parámetros y llegaron %(given)d.")
            % {"expected": expected, "given": len(parameters)},
        )
    for index, value in enumerate(parameters):
        problem = parameter_problem(value)
        if problem:
            errors.add(f"template.parameters.{index}", problem)
    if errors.errors:
        return "", {}
    payload = {
        "name": found.name,
        "language": found.language,
        "category": found.category,
        "parameters": parameters,
        "components": body_component(parameters),
    }
    return render(found.components, parameters), payload


def outbound_content(*, line: Line, text: str | None, template: dict | None) -> dict:
    """What a person sends, checked whole: free text, or a template with its parameters, as
    `message_queue_outbound`'s keywords. One of the two, never both."""
    errors = FieldErrors()
    if template is not None and text:
        errors.add("text", _("Mandá un texto o una plantilla, no los dos."))
    elif template is not None:
        rendered, payload = _template_problems(line, template, errors)
        errors.raise_if_any()
        if len(rendered) > MAX_TEXT_LENGTH:
            raise InvalidInput.field(
                "template.parameters",
                _("WhatsApp acepta hasta %(limit_value)d caracteres.")
                % {"limit_value": MAX_TEXT_LENGTH},
            )
        return {"type": MessageType.TEMPLATE, "text": rendered, "payload": payload}
    errors.raise_if_any()
    return {"type": MessageType.TEXT, "text": text or ""}


def agent_reply(
    *,
    conversation: Conversation,
    by: User,
    text: str = "",
    template: dict | None = None,
    attachment: attachments.Attachment | None = None,
    reply_to: int | None = None,
) -> Message:
    """A person answers (free text, or a template: outside the 24-hour window only those),
    quoting the message `reply_to` of the conversation when given: an unassigned conversation
    becomes theirs, the bot steps back."""
    content = outbound_content(line=conversation.line, text=text, template=template)
    with transaction.atomic():
        conversation = _locked(conversation)
        if conversation.status == Status.CLOSED:
            raise Conflict(_("La conversación está cerrada; reabrila antes."))
        quoted = _quoted(conversation, reply_to)
        if conversation.assigned_to_id is None:
            conversation_assign(conversation=conversation, user=by, by=by, via="reply")
            conversation.refresh_from_db()
        return message_queue_outbound(
            conversation=conversation,
            sender_type=SenderType.AGENT,
            sender_user=by,
            attachment=attachment,
            reply_to_provider_id=quoted,
            **content,
        )


MAX_EMOJI_LENGTH = 16  # characters: a family with skin tones is long


def _emoji(emoji: str) -> str:
    emoji = (emoji or "").strip()
    if len(emoji) > MAX_EMOJI_LENGTH or any(ch.isalnum() or ch.isspace() for ch in emoji):
        raise InvalidInput.field("emoji", _("Elegí un emoji."))
    return emoji


def message_react(*, message: Message, by: User, emoji: str) -> Message:
    """The desk reacts to a customer's message with `emoji` ("" takes the reaction away): the
    bubble shows it at once, and a reaction message goes out through the outbox. Returns the
    reaction message."""
    emoji = _emoji(emoji)
    if message.direction != Direction.IN or message.type == MessageType.REACTION:
        raise InvalidInput.field("message_id", _("Solo se reacciona a mensajes del cliente."))
    with transaction.atomic():
        conversation = _locked(message.conversation)
        if conversation.status == Status.CLOSED:
            raise Conflict(_("La conversación está cerrada; reabrila antes."))
        target = Message.objects.select_for_update().get(pk=message.pk)
        reaction = message_queue_outbound(
            conversation=conversation,
            sender_type=SenderType.AGENT,
            sender_user=by,
            type=MessageType.REACTION,
            text=emoji,
            payload={"emoji": emoji, "message_id": target.provider_id},
        )
        target.reactions = reactions_with(target.reactions, "desk", emoji)
        target.save(update_fields=["payload"])
        publish_reaction(target, conversation)
    return reaction
