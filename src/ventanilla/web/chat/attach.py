"""The Chat screen's attachments: the composer uploads one file with its caption here
(chat/attachments.js, with XMLHttpRequest for its progress bar), or names the quick reply whose
file it sends with the composer's text, and reads JSON back."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from ventanilla.conversations import services
from ventanilla.core.errors import Conflict, DomainError
from ventanilla.core.fields import id_from_text
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.web.access import requires
from ventanilla.web.chat.views import _lock_reason, _visible


@requires(SIGNED_IN)
@require_POST
def chat_attach(request: HttpRequest, conversation_id: int):
    """201 {"id"} once the message is queued; else the error shape of the API, with its status
    (413 over WhatsApp's limit, 422 a file it does not take, 409 the window or a closed chat,
    404 a quick reply this chat's picker does not offer)."""
    conversation = _visible(request.user, conversation_id)
    caption = request.POST.get("caption", "")
    try:
        if "quick_reply_id" in request.POST:
            message = services.agent_send_quick_reply(
                conversation=conversation,
                by=request.user,
                quick_reply_id=id_from_text(request.POST["quick_reply_id"]) or 0,
                text=caption,
            )
        else:
            message = services.agent_attach(
                conversation=conversation,
                by=request.user,
                file=request.FILES.get("file"),
                caption=caption,
            )
    except Conflict as error:
        conversation = _visible(request.user, conversation_id)
        detail = _lock_reason(conversation, conversation.line) or error.detail
        return JsonResponse({"detail": detail, "errors": error.errors}, status=409)
    except DomainError as error:
        return JsonResponse({"detail": error.detail, "errors": error.errors}, status=error.status)
    return JsonResponse({"id": message.pk}, status=201)
