from datetime import datetime
from typing import Any

from ninja import Query, Schema, Status

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.conversations import selectors, services
from ventanilla.conversations.permissions import REOPEN
from ventanilla.conversations.serializers import conversation_item, message_item
from ventanilla.core.permissions import SIGNED_IN
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
    created_at: datetime


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
    match: MatchOut | None = None  # lists searched with `q` only


class ConversationPage(Schema):
    items: list[ConversationOut]
    next: str | None


class MessagePage(Schema):
    items: list[MessageOut]
    next: str | None


class ConversationFilters(Schema):
    status: str | None = None
    area: int | None = None
    assigned: str | None = None
    q: str = ""  # a contact's name, phone or DNI, or words of a message (`match` shows it)
    sort: str | None = None  # "activity" (default) or "waiting": longest waiting first


class SendIn(Schema):
    text: str


class CloseIn(Schema):
    reason: str = ""
    message: str | None = None


class TransferIn(Schema):
    area_id: int | None = None
    user_id: int | None = None


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
        sort=filters.sort,
    )
    items, next_cursor = keyset_page(
        conversations, ordering=selectors.list_ordering(filters.sort), page=page
    )
    found = selectors.search_matches(conversation_ids=[c.pk for c in items], q=filters.q)
    return {"items": [_with_match(c, found.get(c.pk)) for c in items], "next": next_cursor}


def _with_match(conversation, message) -> dict:
    item = conversation_item(conversation)
    if message is not None:
        item["match"] = {
            "message_id": message.pk,
            "text": message.snippet,
            "created_at": message.created_at,
        }
    return item


@router.get("/{conversation_id}", response=answers({200: ConversationOut}, *READ, 404))
@requires(SIGNED_IN)
def get_conversation(request, conversation_id: int):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    return conversation_item(conversation)


@router.get("/{conversation_id}/messages", response=answers({200: MessagePage}, *LIST, 404))
@requires(SIGNED_IN)
def list_messages(request, conversation_id: int, page: Query[PageQuery]):
    """Newest first; follow `next` for older messages."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    items, next_cursor = keyset_page(
        selectors.message_list(conversation=conversation), ordering=("-id",), page=page
    )
    return {"items": [message_item(m) for m in items], "next": next_cursor}


@router.post("/{conversation_id}/messages", response=answers({201: MessageOut}, *WRITE, 404, 409))
@requires(SIGNED_IN)
def send_message(request, conversation_id: int, payload: SendIn):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    message = services.agent_reply(conversation=conversation, by=request.auth, text=payload.text)
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
    403 past the desk's follow-up window for agents; 409 outside WhatsApp's 24-hour window
    (a template is needed then) or when the customer has a newer open conversation."""
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    message = services.conversation_follow_up(
        conversation=conversation, by=request.auth, text=payload.text
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
    )
    return _after_change(request, conversation_id)


@router.post("/{conversation_id}/read", response=answers({200: ConversationOut}, *WRITE, 404))
@requires(SIGNED_IN)
def mark_read(request, conversation_id: int):
    conversation = selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    services.conversation_mark_read(conversation=conversation, by=request.auth)
    return _fresh(request, conversation_id)


def _fresh(request, conversation_id: int) -> dict:
    return conversation_item(
        selectors.conversation_get(user=request.auth, conversation_id=conversation_id)
    )


def _after_change(request, conversation_id: int) -> dict:
    """After a transfer the actor may no longer see the conversation; answer with what it is now."""
    return conversation_item(selectors.conversation_after_action(conversation_id=conversation_id))
