from django.utils.translation import gettext as _
from ninja import Schema, Status

from ventanilla.api.routers.conversations import MessageOut
from ventanilla.api.schemas import READ, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.conversations import selectors, services
from ventanilla.conversations.serializers import message_item
from ventanilla.core.errors import NotFound
from ventanilla.core.files import stored_file_response
from ventanilla.core.permissions import SIGNED_IN

router = Router(tags=["messages"])

MEDIA_ANSWER = {
    "responses": {
        200: {
            "description": "The stored file: images, audio, video and PDF as themselves, "
            "anything else as application/octet-stream",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/{message_id}/media",
    url_name="message-media",
    response=answers({200: None}, *READ, 404),
    openapi_extra=MEDIA_ANSWER,
)
@requires(SIGNED_IN)
def media(request, message_id: int):
    """The stored file of a message, for those who may see its conversation."""
    message = selectors.message_get_visible(user=request.auth, message_id=message_id)
    if not message.media_file:
        raise NotFound(_("Este mensaje no tiene un archivo guardado."))
    return stored_file_response(message.media_file, message.media_mime_type, message.media_filename)


class ReactionIn(Schema):
    emoji: str  # "" takes the desk's reaction away


@router.post("/{message_id}/reaction", response=answers({201: MessageOut}, *WRITE, 404, 409))
@requires(SIGNED_IN)
def react(request, message_id: int, payload: ReactionIn):
    """The desk reacts to a customer's message (WhatsApp keeps one reaction per side: a new one
    replaces it). Answers the reaction message queued to go out; the reacted message shows it in
    `reactions`."""
    message = selectors.message_get_visible(user=request.auth, message_id=message_id)
    reaction = services.message_react(message=message, by=request.auth, emoji=payload.emoji)
    return Status(201, message_item(reaction))
