from datetime import datetime
from typing import Any

from ninja import Field, File, Form, Query, Schema, Status, UploadedFile

from ventanilla.accounts.selectors import area_names, display_names
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers
from ventanilla.api.security import Router, requires, takes_large_files
from ventanilla.conversations import labels, notes, selectors, services, starting
from ventanilla.conversations.permissions import REOPEN, SEE_AUDIT, START
from ventanilla.conversations.serializers import (
    conversation_item,
    label_item,
    message_item,
    note_item,
)
from ventanilla.core.fields import MAX_ID
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.routing import reasons
from ventanilla.routing import services as routing

router = Router(tags=["conversations"])


class Ref(Schema):
    id: int
    name: str


class ContactRef(Schema):
    id: int
    name: str
    phone: str | None
    dni: str


class MediaOut(Schema):
    url: str | None
    mime_type: str
    filename: str
    size: int | None


class MessageOut(Schema):
    id: int
    conversation_id: int
    direction: str
    sender_type: str
    sender: Ref | None
    type: str
    text: str
    payload: dict[str, Any]
    media: MediaOut | None
    status: str
    error: str
    provider_id: str | None
    reply_to_provider_id: str
    reactions: dict[str, str]
    created_at: datetime


class LabelOut(Schema):
    id: int
    name: str
    color: str


class MatchOut(Schema):
    """The newest message holding the words a list's `q` searched for."""

    message_id: int
    text: str  # the part of the message around the first word found
    created_at: datetime


class ConversationOut(Schema):
    id: int
    status: str
    line_id: int
    contact: ContactRef
    area: Ref | None
    assigned_to: Ref | None
    bot_active: bool
    unread_count: int
    last_message: MessageOut | None
    last_activity_at: datetime
    last_inbound_at: datetime | None
    waiting_since: datetime | None  # the customer waits for a person's answer since then
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str
    labels: list[LabelOut]
    queue_reason: str  # while queued: after_hours, behind_queue, nobody_available, at_capacity
    # the area's response-time targets as instants (null: no target; docs/routing.md)
    first_response_due_at: datetime | None
    first_responded_at: datetime | None  # the first agent message since it came to its area
    resolution_due_at: datetime | None
    match: MatchOut | None = None  # lists searched with `q` only


class ConversationPage(Schema):
    items: list[ConversationOut]
    next: str | None


class MessagePage(Schema):
    items: list[MessageOut]
    next: str | None


class EventOut(Schema):
    id: int
    conversation_id: int
    kind: str
    actor: Ref | None
    data: dict[str, Any]  # docs/routing.md#why for `assigned` and `queued`
    explanation: str  # routing's reason in words; "" for other events
    created_at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next: str | None


class ConversationFilters(Schema):
    status: str | None = None
    area: int | None = None
    assigned: str | None = None
    q: str = ""  # a contact's name, phone or DNI, or words of a message (`match` shows it)
    sort: str | None = None  # "activity" (default) or "waiting": longest waiting first
    label: int | None = Field(None, ge=1, le=MAX_ID)


class TemplateIn(Schema):
    name: str
    language: str
    parameters: list[str] = []


class SendIn(Schema):
    """Free text, or a template (the only thing WhatsApp takes outside the 24-hour window)."""

    text: str | None = None
    template: TemplateIn | None = None


class ReplyIn(SendIn):
    reply_to: int | None = None  # the id of a message of the conversation the answer quotes
    # a quick reply whose file goes out as an attachment, `text` its caption (docs/api.md)
    quick_reply_id: int | None = Field(None, ge=1, le=MAX_ID)


class StartIn(SendIn):
    """A contact (`contact_id`) or a phone; the line (default: the default line) and the area."""

    contact_id: int | None = None
    phone: str | None = None
    line_id: int | None = None
    area_id: int | None = None


class NoteIn(Schema):
    text: str


class NoteOut(Schema):
    id: int
    conversation_id: int
    author: Ref
    text: str
    mentions: list[Ref]
    transfer: bool
    created_at: datetime


class NotePage(Schema):
    items: list[NoteOut]
    next: str | None


class MentionableOut(Schema):
    id: int
    username: str  # written as @username in a note
    name: str


class MentionableList(Schema):
    items: list[MentionableOut]


class LabelsIn(Schema):
    label_ids: list[int]


class CloseIn(Schema):
    reason: str = ""
    message: str | None = None


class TransferIn(Schema):
    area_id: int | None = None
    user_id: int | None = None
    note: str = ""  # a private note for whoever gets it, shown on top (docs/chat.md)


@router.get("", response=answers({200: ConversationPage}, *LIST))
@requires(SIGNED_IN)
def list_conversations(request, filters: Query[ConversationFilters], page: Query[PageQuery]):
    statuses = [s.strip() for s in (filters.status or "").split(",") if s.strip()]
    conversations = selectors.conversation_list(
        user=request.auth,
        statuses=statuses,
        area_id=filters.area,
        assigned=filters.assigned,
        q=filters.q,
        label_id=filters.label,
        sort=filters.sort,
    )
    items, next_cursor = keyset_page(
        conversations, ordering=selectors.list_ordering(filters.sort), page=page
    )
    found = selectors.search_matches(conversation_ids=[c.pk for c in items], q=filters.q)
    return {"items": labelled_items(items, found), "next": next_cursor}


def labelled_items(conversations, found: dict | None = None) -> list[dict]:
    """Conversation items with their labels (one query for the page) and, after a search, the
    newest message holding its words (`found`: conversation id -> message)."""
    labelled = selectors.labels_of(c.pk for c in conversations)
    items = []
    for conversation in conversations:
        item = conversation_item(conversation)
        item["labels"] = [label_item(label) for label in labelled[conversation.pk]]
        message = (found or {}).get(conversation.pk)
        if message is not None:
            item["match"] = {
                "message_id": message.pk,
                "text": message.snippet,
                "created_at": message.created_at,
            }
        items.append(item)
    return items


@router.post("", response=answers({201: ConversationOut}, *WRITE, 409))
@requires(START)
def start_conversation(request, payload: StartIn):
    """Writes first: opens a conversation with a contact (or a typed phone) and queues its first
    message, free text where the line allows it, else a template (docs/api.md). It is assigned to
    whoever started it (an admin's goes to the area's queue); 409 when the contact already has
    an open conversation on the line."""
    conversation = starting.conversation_start(
        by=request.auth,
        contact_id=payload.contact_id,
        phone=payload.phone,
        line_id=payload.line_id,
        area_id=payload.area_id,
        text=payload.text,
        template=payload.template.dict() if payload.template else None,
    )
    return Status(201, _after_change(request, conversation.pk))


@router.get("/{conversation_id}", response=answers({200: ConversationOut}, *READ, 404))
@requires(SIGNED_IN)
def get_conversation(request, conversation_id: int):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    return labelled_items([conversation])[0]


@router.get("/{conversation_id}/messages", response=answers({200: MessagePage}, *LIST, 404))
@requires(SIGNED_IN)
def list_messages(request, conversation_id: int, page: Query[PageQuery]):
    """Newest first; follow `next` for older messages."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    items, next_cursor = keyset_page(
        selectors.message_list(conversation=conversation), ordering=("-id",), page=page
    )
    return {"items": [message_item(m) for m in items], "next": next_cursor}


@router.get("/{conversation_id}/events", response=answers({200: EventPage}, *LIST, 403, 404))
@requires(SEE_AUDIT)
def list_events(request, conversation_id: int, page: Query[PageQuery]):
    """The conversation's audit trail, newest first; follow `next` for older events."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    items, next_cursor = keyset_page(
        selectors.event_list(conversation=conversation), ordering=("-id",), page=page
    )
    return {"items": _event_items(items), "next": next_cursor}


def _event_items(events) -> list[dict]:
    data = [event.data if isinstance(event.data, dict) else {} for event in events]
    users = display_names({d.get("user_id") for d in data if isinstance(d.get("user_id"), int)})
    areas = area_names({d.get("area_id") for d in data if isinstance(d.get("area_id"), int)})
    return [
        {
            "id": event.pk,
            "conversation_id": event.conversation_id,
            "kind": event.kind,
            "actor": (
                {"id": event.actor.pk, "name": event.actor.display_name} if event.actor else None
            ),
            "data": fields,
            "explanation": reasons.explanation(
                event.kind,
                fields,
                user=users.get(fields.get("user_id"), ""),
                area=areas.get(fields.get("area_id"), ""),
            ),
            "created_at": event.created_at,
        }
        for event, fields in zip(events, data, strict=True)
    ]


@router.post("/{conversation_id}/messages", response=answers({201: MessageOut}, *WRITE, 404, 409))
@requires(SIGNED_IN)
def send_message(request, conversation_id: int, payload: ReplyIn):
    """Free text, a template, or a quick reply's file (`quick_reply_id`) with `text` as its
    caption; 422 naming the field, 409 for a closed conversation or WhatsApp's closed window."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    given = {
        "conversation": conversation,
        "by": request.auth,
        "text": payload.text or "",
        "template": payload.template.dict() if payload.template else None,
        "reply_to": payload.reply_to,
    }
    if payload.quick_reply_id is None:
        message = services.agent_reply(**given)
    else:
        message = services.agent_send_quick_reply(quick_reply_id=payload.quick_reply_id, **given)
    return Status(201, message_item(message))


@router.post(
    "/{conversation_id}/attachments",
    response=answers({201: MessageOut}, *WRITE, 404, 409),
)
@requires(SIGNED_IN)
@takes_large_files
def send_attachment(
    request, conversation_id: int, file: File[UploadedFile], caption: Form[str] = ""
):
    """An image, video, audio, document or sticker with an optional caption (multipart). Its
    kind is read from its bytes; WhatsApp's size for that kind is checked before anything is
    stored: 413 names the limit, 422 a file WhatsApp does not take (docs/whatsapp.md)."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    message = services.agent_attach(
        conversation=conversation, by=request.auth, file=file, caption=caption
    )
    return Status(201, message_item(message))


@router.post("/{conversation_id}/close", response=answers({200: ConversationOut}, *WRITE, 404, 409))
@requires(SIGNED_IN)
def close(request, conversation_id: int, payload: CloseIn):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    services.conversation_close(
        conversation=conversation, by=request.auth, reason=payload.reason, message=payload.message
    )
    return _fresh(request, conversation_id)


@router.post(
    "/{conversation_id}/reopen", response=answers({200: ConversationOut}, *WRITE, 404, 409)
)
@requires(REOPEN)
def reopen(request, conversation_id: int):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    services.conversation_reopen(conversation=conversation, by=request.auth)
    return _fresh(request, conversation_id)


@router.post("/{conversation_id}/follow-up", response=answers({201: MessageOut}, *WRITE, 404, 409))
@requires(REOPEN)
def follow_up(request, conversation_id: int, payload: SendIn):
    """Writes to the customer of a closed conversation, reopening it (docs/chat.md#follow-up):
    free text, or a template (validated as any template send: 422 on `template.*`; the only
    thing WhatsApp takes outside its 24-hour window, where free text is 409). 403 past the
    desk's follow-up window for agents; 409 when the customer has a newer open conversation."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    message = services.conversation_follow_up(
        conversation=conversation,
        by=request.auth,
        text=payload.text or "",
        template=payload.template.dict() if payload.template else None,
    )
    return Status(201, message_item(message))


@router.post(
    "/{conversation_id}/transfer", response=answers({200: ConversationOut}, *WRITE, 404, 409)
)
@requires(SIGNED_IN)
def transfer(request, conversation_id: int, payload: TransferIn):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    routing.transfer(
        conversation=conversation,
        by=request.auth,
        area_id=payload.area_id,
        user_id=payload.user_id,
        note=payload.note,
    )
    return _after_change(request, conversation_id)


@router.post("/{conversation_id}/read", response=answers({200: ConversationOut}, *WRITE, 404))
@requires(SIGNED_IN)
def mark_read(request, conversation_id: int):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    services.conversation_mark_read(conversation=conversation, by=request.auth)
    return _fresh(request, conversation_id)


@router.put("/{conversation_id}/labels", response=answers({200: ConversationOut}, *WRITE, 404))
@requires(SIGNED_IN)
def set_labels(request, conversation_id: int, payload: LabelsIn):
    """The conversation's labels become these (anyone who may see it labels it)."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    labels.conversation_set_labels(
        conversation=conversation, by=request.auth, label_ids=payload.label_ids
    )
    return _fresh(request, conversation_id)


@router.get("/{conversation_id}/notes", response=answers({200: NotePage}, *LIST, 404))
@requires(SIGNED_IN)
def list_notes(request, conversation_id: int, page: Query[PageQuery]):
    """The conversation's private notes, newest first."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    items, next_cursor = keyset_page(
        selectors.note_list(conversation=conversation), ordering=("-created_at", "-id"), page=page
    )
    names = display_names({pk for note in items for pk in note.mentioned_ids})
    return {"items": [note_item(note, names) for note in items], "next": next_cursor}


@router.post("/{conversation_id}/notes", response=answers({201: NoteOut}, *WRITE, 404))
@requires(SIGNED_IN)
def create_note(request, conversation_id: int, payload: NoteIn):
    """A private note: never sent to WhatsApp; `@username` tells a colleague who may see the
    conversation (422 naming those who may not)."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    note = notes.note_create(conversation=conversation, by=request.auth, text=payload.text)
    return Status(201, note_item(note, display_names(note.mentioned_ids)))


@router.get("/{conversation_id}/mentionable", response=answers({200: MentionableList}, *READ, 404))
@requires(SIGNED_IN)
def list_mentionable(request, conversation_id: int):
    """The colleagues a note here may mention (`@username`): active people who may see the
    conversation now, by name; a note mentioning anyone else is refused."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    people = notes.mentionable(conversation=conversation, by=request.auth)
    items = [{"id": p.pk, "username": p.username, "name": p.display_name} for p in people]
    return {"items": items}


def _fresh(request, conversation_id: int) -> dict:
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    return labelled_items([conversation])[0]


def _after_change(request, conversation_id: int) -> dict:
    """After a transfer the actor may no longer see the conversation; answer with what it is now."""
    return labelled_items([selectors.conversation_after_action(conversation_id=conversation_id)])[0]
