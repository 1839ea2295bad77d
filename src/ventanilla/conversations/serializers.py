"""The list item and message shapes of docs/events.md#payloads, shared by the API and live
events."""

from django.urls import reverse


def _iso(value):
    return value.isoformat() if value is not None else None


def _person(user):
    if user is None:
        return None
    return {"id": user.pk, "name": user.name or user.username}


def message_item(message) -> dict:
    media = None
    if message.media_file or message.media_provider_id or message.media_mime_type:
        media = {
            "url": reverse("api:message-media", args=[message.pk]) if message.media_file else None,
            "mime_type": message.media_mime_type,
            "filename": message.media_filename,
            "size": message.media_size,
        }
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "direction": message.direction,
        "sender_type": message.sender_type,
        "sender": _person(message.sender_user) if message.sender_user_id else None,
        "type": message.type,
        "text": message.text,
        "payload": message.payload,
        "media": media,
        "status": message.status,
        "error": message.error,
        "provider_id": message.provider_id,
        "reply_to_provider_id": message.reply_to_provider_id,
        "reactions": message.reactions,
        "created_at": _iso(message.created_at),
    }


def conversation_item(conversation) -> dict:
    contact = conversation.contact
    area = conversation.area
    last = conversation.last_message
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "line_id": conversation.line_id,
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "phone": contact.phone,
            "dni": contact.dni,
        },
        "area": {"id": area.pk, "name": area.name} if area is not None else None,
        "assigned_to": _person(conversation.assigned_to),
        "bot_active": conversation.bot_active,
        "unread_count": conversation.unread_count,
        "last_message": message_item(last) if last is not None else None,
        "last_activity_at": _iso(conversation.last_activity_at),
        "last_inbound_at": _iso(conversation.last_inbound_at),
        "waiting_since": _iso(conversation.waiting_since)
        if conversation.status in ("queued", "active")
        else None,
        "created_at": _iso(conversation.created_at),
        "closed_at": _iso(conversation.closed_at),
        "closed_reason": conversation.closed_reason,
        "queue_reason": conversation.queue_reason if conversation.status == "queued" else "",
        "first_response_due_at": _iso(conversation.first_response_due_at),
        "first_responded_at": _iso(conversation.first_responded_at),
        "resolution_due_at": _iso(conversation.resolution_due_at),
    }


def note_item(note, names: dict[int, str]) -> dict:
    """A private note (docs/events.md#payloads); `names`: {user id: name} of those it mentions."""
    return {
        "id": note.pk,
        "conversation_id": note.conversation_id,
        "author": _person(note.author),
        "text": note.text,
        "mentions": [
            {"id": user_id, "name": names.get(user_id, "")} for user_id in note.mentioned_ids
        ],
        "transfer": note.transfer,
        "created_at": _iso(note.created_at),
    }


def label_item(label) -> dict:
    return {"id": label.pk, "name": label.name, "color": label.color}
