from datetime import datetime
from typing import Any

from ninja import Query, Schema, Status

from ventanilla.accounts.selectors import area_names, display_names
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.conversations import selectors, services
from ventanilla.conversations.permissions import REOPEN, SEE_AUDIT
from ventanilla.conversations.serializers import conversation_item, message_item
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
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str
    queue_reason: str  # while queued: after_hours, behind_queue, nobody_available, at_capacity


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
    q: str = ""


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
    )
    items, next_cursor = keyset_page(
        conversations, ordering=("-last_activity_at", "-id"), page=page
    )
    return {"items": [conversation_item(c) for c in items], "next": next_cursor}


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
