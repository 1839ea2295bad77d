"""The composer's template picker: the part itself, and sending the template chosen."""

from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ventanilla.conversations import services
from ventanilla.conversations.models import Conversation
from ventanilla.core.errors import Conflict, Forbidden, InvalidInput
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.web.access import requires
from ventanilla.web.chat.templates import picker_for, posted_template
from ventanilla.web.chat.views import _pane, _visible, may_follow_up


def _panel(request, conversation: Conversation, status: int = 200, **given):
    follow_up = may_follow_up(request.user, conversation)
    context = {
        "conversation": conversation,
        "contact": conversation.contact,
        "picker": picker_for(conversation, follow_up=follow_up, **given),
        "picker_failed": status != 200,
    }
    return render(request, "web/chat/_templates.html", context, status=status)


@requires(SIGNED_IN)
@require_GET
def chat_templates(request: HttpRequest, conversation_id: int):
    """The picker again (chat/templates.js asks when the window closes while the chat is open)."""
    return _panel(request, _visible(request.user, conversation_id))


@requires(SIGNED_IN)
@require_POST
def chat_send_template(request: HttpRequest, conversation_id: int):
    """Sends the template picked with its parameters (to a closed conversation the agent may
    follow up: reopening it, and answered with the whole pane, its header and composer now
    those of an open conversation); the picker again with the errors (422), or fresh with
    chat:sent (the thread catches up)."""
    conversation = _visible(request.user, conversation_id)
    chosen_id, given = posted_template(request.POST, conversation.line_id)
    values = request.POST.getlist("parameter")
    given = given or {"name": "", "language": "", "parameters": values}
    follow_up = may_follow_up(request.user, conversation)
    send = services.conversation_follow_up if follow_up else services.agent_reply
    try:
        message = send(conversation=conversation, by=request.user, template=given)
    except (InvalidInput, Conflict, Forbidden) as error:
        errors = error.errors or {"template": [error.detail]}
        return _panel(
            request,
            conversation,
            status=error.status,
            chosen_id=chosen_id,
            values=values,
            errors=errors,
        )
    if not request.htmx:
        return redirect(reverse("chat", args=[conversation_id]))
    if follow_up:
        response = _pane(request, _visible(request.user, conversation_id))
        response["HX-Retarget"] = "#chat-pane"
        response["HX-Reswap"] = "innerHTML"
    else:
        response = _panel(request, _visible(request.user, conversation_id))
    response["HX-Trigger"] = f'{{"chat:sent": {{"id": {message.pk}}}}}'
    return response
