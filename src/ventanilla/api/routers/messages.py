from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Schema, Status

from ventanilla.api.routers.conversations import MessageOut
from ventanilla.api.schemas import READ, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.conversations import selectors, services
from ventanilla.conversations.serializers import message_item
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import SIGNED_IN

router = Router(tags=["messages"])

INLINE_TYPES = ("image/", "audio/", "video/")
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
    mime = message.media_mime_type.split(";")[0].strip().lower()
    inline = mime.startswith(INLINE_TYPES) and mime not in {"image/svg+xml"}
    response = FileResponse(
        message.media_file.open("rb"),
        content_type=mime if inline or mime == "application/pdf" else "application/octet-stream",
        as_attachment=not inline,
        filename=message.media_filename or message.media_file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


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
