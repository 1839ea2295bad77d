"""Writes on conversations: the open one a customer's message goes to, and what people do to a
conversation (assign, queue, transfer, close, reopen, follow up, reply, react). Each publishes its
live events after commit (`publishing`); messages going out are `outbound`'s."""

from datetime import datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
from ventanilla.accounts.permissions import TAKES_CONVERSATIONS, is_admin
from ventanilla.contacts.models import Contact
from ventanilla.conversations import permissions, selectors, signals
from ventanilla.conversations.daycounts import area_changed
from ventanilla.conversations.models import (
    FOLLOW_UP_SINGLETON_ID,
    OPEN_STATUSES,
    REOPEN_WINDOW_MAX_HOURS,
    Conversation,
    Direction,
    EventKind,
    FollowUpSetting,
    Message,
    MessageType,
    SenderType,
    Status,
)
from ventanilla.conversations.outbound import (
    message_queue_outbound,
    outbound_content,
    window_open,
)
from ventanilla.conversations.publishing import (
    SEND_READ_RECEIPT,
    publish_conversation,
    publish_reaction,
    reactions_with,
    record_conversation_webhook,
    record_event,
)
from ventanilla.conversations.visibility import audience_of
from ventanilla.core import attachments, audit, clock
from ventanilla.core.db import insert_rows, save_fields
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.core.fields import MAX_ID, UNSET
from ventanilla.core.jobs import enqueue_named_after_commit
from ventanilla.integrations.models import WebhookEvent
from ventanilla.providers.models import Line, Provider
from ventanilla.quickreplies import selectors as quick_replies

DEFAULT_CLOSING_TEXT = "✅ Chat finalizado por el operador"
BOT_CLOSED_REASON = "bot"  # the closed_reason of a conversation the bot's flow closed


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
