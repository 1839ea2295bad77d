from django.utils.translation import gettext as _

from ventanilla.api.schemas import READ, answers
from ventanilla.api.security import Router, requires
from ventanilla.conversations import selectors
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
