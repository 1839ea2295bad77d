"""The Chat screen's views: the page and its parts, then the actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ventanilla.accounts.models import User
from ventanilla.accounts.selectors import area_list
from ventanilla.contacts.services import contact_update
from ventanilla.conversations import labels, notes, outbound, permissions, selectors, services
from ventanilla.conversations.models import Conversation, Status
from ventanilla.conversations.permissions import REOPEN
from ventanilla.core import clock
from ventanilla.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ventanilla.core.fields import id_from_text
from ventanilla.core.models import LiveEvent
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.providers import capabilities
from ventanilla.routing import services as routing
from ventanilla.web.access import requires
from ventanilla.web.chat.forms import (
    AgentTransferForm,
    AreaTransferForm,
    CloseForm,
    ComposerForm,
    ContactForm,
    LabelsForm,
)
from ventanilla.web.chat.row_html import row_html
from ventanilla.web.chat.rows import (
    attention,
    current_tab,
    label_filter,
    list_context,
    list_row,
    search_query,
    sort_query,
)
from ventanilla.web.chat.templates import picker_for, window_closed_text
from ventanilla.web.chat.thread import thread_after, thread_message, thread_page
from ventanilla.web.forms import add_service_errors, write_form

TRANSFER_CANDIDATES = 200


def _visible(user: User, conversation_id: int) -> Conversation:
    try:
        return selectors.conversation_get(user=user, conversation_id=conversation_id)
    except NotFound as error:
        raise Http404(_("Conversación inexistente.")) from error


def _transfer_areas():
    return list(area_list(include_inactive=False))


def _transfer_agents(user: User, conversation: Conversation) -> list[User]:
    return selectors.transfer_candidates(
        by=user, conversation=conversation, limit=TRANSFER_CANDIDATES
    )


def may_follow_up(user: User, conversation: Conversation) -> bool:
    """Whether `user` may reopen the closed `conversation` or write to its customer now."""
    if conversation.status != Status.CLOSED:
        return False
    try:
        permissions.check_follow_up(
            by=user,
            conversation=conversation,
            window_hours=selectors.follow_up_get().reopen_hours,
            now=clock.now(),
        )
    except Forbidden:
        return False
    return True


def _lock_reason(conversation: Conversation, line, follow_up: bool = False) -> str:
    """Why the composer is locked, or "" when the agent may write (`follow_up`: to a closed
    conversation `may_follow_up` lets them reopen by writing)."""
    if conversation.status == Status.CLOSED:
        if follow_up and outbound.window_open(conversation, line):
            return ""
        if follow_up:
            return _(
                "La conversación está cerrada y pasaron más de 24 horas desde el último mensaje "
                "del cliente: para escribirle hace falta una plantilla."
            )
        return _("La conversación está cerrada.")
    if not outbound.window_open(conversation, line):
        return window_closed_text(conversation)
    return ""


def _window_text(conversation: Conversation, line) -> str:
    """The 24-hour window of the Cloud API, for the header ("" on lines without one)."""
    if not capabilities.of(line).customer_service_window or conversation.status == Status.CLOSED:
        return ""
    last = conversation.last_inbound_at
    if last is None or not outbound.window_open(conversation, line):
        return _("Ventana de 24 h cerrada")
    left = outbound.CUSTOMER_SERVICE_WINDOW - (clock.now() - last)
    hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
    return _("Ventana de 24 h: quedan %(h)d h %(m)02d min") % {"h": hours, "m": minutes}


def _window_ends(conversation: Conversation, line) -> str:
    """When the open 24-hour window closes (ISO 8601), for chat/pane.js to lock the composer
    then; "" when there is no window running."""
    if not _window_text(conversation, line) or not outbound.window_open(conversation, line):
        return ""
    return (conversation.last_inbound_at + outbound.CUSTOMER_SERVICE_WINDOW).isoformat()


def _may_read(conversation: Conversation, user: User) -> bool:
    """Opening marks read for the agent who answers it (or anyone, while nobody does): an admin
    glancing at a colleague's chat leaves it unread for them."""
    return conversation.assigned_to_id in (None, user.pk)


def _mark_read(conversation: Conversation, user: User) -> None:
    if conversation.unread_count == 0 or not _may_read(conversation, user):
        return
    services.conversation_mark_read(conversation=conversation, by=user)
    conversation.unread_count = 0


def _head_context(
    request: HttpRequest,
    conversation: Conversation,
    *,
    contact_form: ContactForm | None = None,
    close_form: CloseForm | None = None,
    action_error: str = "",
) -> dict:
    """The header: contact card, status, the 24-hour window and the actions."""
    user = request.user
    line = conversation.line
    is_closed = conversation.status == Status.CLOSED
    areas = [] if is_closed else _transfer_areas()
    agents = (
        _transfer_agents(user, conversation)
        if permissions.TRANSFER_TO_PERSON.grants(user) and not is_closed
        else []
    )
    follow_up = may_follow_up(user, conversation)
    return {
        "conversation": conversation,
        "contact": conversation.contact,
        "lock_reason": _lock_reason(conversation, line, follow_up),
        "follow_up": follow_up,
        "window_text": _window_text(conversation, line),
        "window_ends": _window_ends(conversation, line),
        "contact_form": contact_form,
        "close_form": close_form or CloseForm(),
        "area_form": AreaTransferForm(areas=areas) if areas else None,
        "agent_form": AgentTransferForm(agents=agents) if agents else None,
        "may_reopen": follow_up,
        "action_error": action_error,
        "tab": current_tab(request),
        **_labels_context(conversation),
    }


def _labels_context(conversation: Conversation) -> dict:
    """The conversation's labels, and the form that changes them (none defined: no form)."""
    every = list(selectors.label_list())
    mine = selectors.labels_of([conversation.pk])[conversation.pk]
    initial = {"label_ids": [label.pk for label in mine]}
    return {
        "labels": mine,
        "labels_form": LabelsForm(initial=initial, labels=every) if every else None,
    }


def _pane_context(
    request: HttpRequest,
    conversation: Conversation,
    *,
    composer: ComposerForm | None = None,
    **head,
) -> dict:
    anchor = id_from_text(request.GET.get("m") or "")
    entries, older_url = thread_page(conversation, request.user, None, None, anchor)
    head_context = _head_context(request, conversation, **head)
    return {
        **head_context,
        "pinned_note": selectors.pinned_transfer_note(conversation=conversation),
        "entries": entries,
        "older_url": older_url,
        "focus": f"m-{anchor}" if anchor else "",
        "composer": composer or ComposerForm(),
        "picker": picker_for(conversation, follow_up=head_context["follow_up"]),
    }


def _pane(request: HttpRequest, conversation: Conversation, status: int = 200, **extra):
    context = _pane_context(request, conversation, **extra)
    return render(request, "web/chat/_pane.html", context, status=status)


def _page(request: HttpRequest, conversation: Conversation | None, status=200, **extra):
    tab, q = current_tab(request), search_query(request)
    context = {
        "section": "chats",
        **list_context(request, tab, q),
        "attention": attention(request.user),
        "last_event_id": LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        or 0,
        "open_id": conversation.pk if conversation else None,
    }
    if conversation is not None:
        context.update(_pane_context(request, conversation, **extra))
    return render(request, "web/chat/page.html", context, status=status)


def _edit_form(request: HttpRequest, conversation: Conversation) -> ContactForm | None:
    """The contact card's form when ?edit=contact asks for it."""
    if request.GET.get("edit") != "contact":
        return None
    contact = conversation.contact
    return ContactForm(initial={"name": contact.name, "dni": contact.dni})


def _wants_pane(request: HttpRequest) -> bool:
    return bool(request.htmx) and request.htmx.target == "chat-pane"


def _respond(request: HttpRequest, conversation: Conversation, status: int = 200, **extra):
    """The pane for htmx, else the whole page (the 4xx of a plain form post shows its errors)."""
    if request.htmx:
        return _pane(request, conversation, status=status, **extra)
    return _page(request, conversation, status=status, **extra)


def _after_action(request: HttpRequest, conversation_id: int, done: str):
    """After a close, transfer or reopen: the pane again, or a notice when the conversation
    left the actor's view (a transfer to another area)."""
    try:
        conversation = selectors.conversation_get(
            user=request.user, conversation_id=conversation_id
        )
    except NotFound:
        conversation = None
    if request.htmx:
        if conversation is None:
            context = {"notice": done, "tab": current_tab(request)}
            return render(request, "web/chat/_pane_empty.html", context)
        return _pane(request, conversation)
    messages.success(request, done)
    if conversation is None:
        return redirect(reverse("home"))
    return redirect(reverse("chat", args=[conversation_id]))


# --- Views: the page and its parts -----------------------------------------------------------


@requires(SIGNED_IN)
@require_GET
def chat_home(request: HttpRequest):
    return _page(request, None)


@requires(SIGNED_IN)
@require_GET
def chat_list(request: HttpRequest):
    """The left column (tabs, search, rows, and what is the viewer's to answer for the tab
    badges and the title), or only the rows with ?part=items."""
    context = list_context(request, current_tab(request), search_query(request))
    if request.GET.get("part") == "items":
        return render(request, "web/chat/_items.html", context)
    context["attention"] = attention(request.user)
    return render(request, "web/chat/_side.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_item(request: HttpRequest, conversation_id: int):
    """One row of the list, as the current tab and search show it; 404 when it is not in them."""
    tab, q = current_tab(request), search_query(request)
    row = list_row(
        request.user, tab, q, conversation_id, label_filter(request), sort_query(request)
    )
    if row is None:
        raise Http404(_("Conversación inexistente."))
    return HttpResponse(row_html(row))


@requires(SIGNED_IN)
@require_GET
def chat_open(request: HttpRequest, conversation_id: int):
    conversation = _visible(request.user, conversation_id)
    _mark_read(conversation, request.user)
    contact_form = _edit_form(request, conversation)
    if _wants_pane(request):
        return _pane(request, conversation, contact_form=contact_form)
    return _page(request, conversation, contact_form=contact_form)


@requires(SIGNED_IN)
@require_GET
def chat_head(request: HttpRequest, conversation_id: int):
    """The pane's header (contact card, status, actions): refreshed when the conversation moves."""
    conversation = _visible(request.user, conversation_id)
    context = _head_context(request, conversation, contact_form=_edit_form(request, conversation))
    return render(request, "web/chat/_head.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_composer(request: HttpRequest, conversation_id: int):
    conversation = _visible(request.user, conversation_id)
    follow_up = may_follow_up(request.user, conversation)
    context = {
        "conversation": conversation,
        "lock_reason": _lock_reason(conversation, conversation.line, follow_up),
        "composer": ComposerForm(),
        "may_reopen": follow_up,
        "follow_up": follow_up,
    }
    return render(request, "web/chat/_composer.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_older(request: HttpRequest, conversation_id: int):
    """An older page of the thread, prepended by htmx above what is shown."""
    conversation = _visible(request.user, conversation_id)
    until = parse_datetime(request.GET.get("until") or "")
    if until is None or not request.GET.get("cursor"):
        raise Http404(_("Página inexistente."))
    entries, older_url = thread_page(conversation, request.user, request.GET["cursor"], until)
    context = {"entries": entries, "older_url": older_url, "conversation": conversation}
    return render(request, "web/chat/_older.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_after(request: HttpRequest, conversation_id: int):
    """What happened since message `m`: new bubbles and notes, oldest first (chat/thread.js
    skips the ones it already shows). The same entries the page renders."""
    conversation = _visible(request.user, conversation_id)
    try:
        after = int(request.GET.get("m") or 0)
    except ValueError as error:
        raise Http404(_("Mensaje inexistente.")) from error
    entries = thread_after(conversation, request.user, after)
    context = {"entries": entries, "conversation": conversation}
    return render(request, "web/chat/_entries.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_message(request: HttpRequest, conversation_id: int, message_id: int):
    """One bubble, re-rendered when its tick moves or its file arrives."""
    conversation = _visible(request.user, conversation_id)
    entries = thread_message(conversation, request.user, message_id)
    if not entries:
        raise Http404(_("Mensaje inexistente."))
    return render(request, "web/chat/_entries.html", {"entries": entries})


# --- Views: actions --------------------------------------------------------------------------


@requires(SIGNED_IN)
@require_POST
def chat_send(request: HttpRequest, conversation_id: int):
    conversation = _visible(request.user, conversation_id)
    form = ComposerForm(request.POST)
    status = 422
    # a closed conversation its agent may follow up: writing reopens it; else a 409 says closed
    follow_up = may_follow_up(request.user, conversation)
    if form.is_valid():
        try:
            message = _send(request, conversation, form.cleaned_data, follow_up=follow_up)
        except Forbidden as error:
            form.add_error(None, error.detail)
            status = 403
        except InvalidInput as error:
            add_service_errors(form, error)
        except Conflict as error:
            conversation = _visible(request.user, conversation_id)
            reason = _lock_reason(conversation, conversation.line) or error.detail
            form.add_error(None, reason)
            status = 409
        else:
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Trigger"] = f'{{"chat:sent": {{"id": {message}}}}}'
                return response
            return redirect(reverse("chat", args=[conversation_id]))
    if request.htmx:
        context = {
            "conversation": conversation,
            "composer": form,
            "lock_reason": form.non_field_errors()[0] if status in (403, 409) else "",
            "may_reopen": False,
        }
        return render(request, "web/chat/_composer.html", context, status=status)
    return _page(request, conversation, status=status, composer=form)


def _send(
    request: HttpRequest, conversation: Conversation, data: dict, *, follow_up: bool = False
) -> int:
    """The composer's text as a message to the customer (on a closed conversation its agent may
    follow up: writing reopens it), or as a private note; the id of the message (0 for a note,
    which never leaves the desk)."""
    if data.get("note"):
        notes.note_create(conversation=conversation, by=request.user, text=data["text"])
        return 0
    if follow_up:
        return services.conversation_follow_up(
            conversation=conversation, by=request.user, text=data["text"]
        ).pk
    return services.agent_reply(
        conversation=conversation,
        by=request.user,
        text=data["text"],
        reply_to=data.get("reply_to"),
    ).pk


@requires(SIGNED_IN)
@require_POST
def chat_labels(request: HttpRequest, conversation_id: int):
    """The labels of the conversation, set from the header's menu; the header again."""
    conversation = _visible(request.user, conversation_id)
    form = LabelsForm(request.POST, labels=list(selectors.label_list()))
    if not form.is_valid():
        problem = _("Elegí etiquetas de la lista.")
        return _respond(request, conversation, status=422, action_error=problem)
    labels.conversation_set_labels(
        conversation=conversation, by=request.user, label_ids=form.cleaned_data["label_ids"]
    )
    if request.htmx:
        return render(request, "web/chat/_head.html", _head_context(request, conversation))
    return redirect(reverse("chat", args=[conversation_id]))


@requires(SIGNED_IN)
@require_POST
def chat_react(request: HttpRequest, conversation_id: int, message_id: int):
    """The desk reacts to a customer's message; the bubble again, with the reaction (or with why
    not: 422, 409)."""
    conversation = _visible(request.user, conversation_id)
    message = selectors.timeline_messages(user=request.user, conversation=conversation)
    message = message.filter(pk=message_id).first()
    if message is None:
        raise Http404(_("Mensaje inexistente."))
    status, problem = 200, ""
    try:
        services.message_react(
            message=message, by=request.user, emoji=request.POST.get("emoji", "")
        )
    except (InvalidInput, Conflict) as error:
        status, problem = error.status, error.detail
    if not request.htmx:
        return redirect(reverse("chat", args=[conversation_id]))
    entries = thread_message(conversation, request.user, message_id)
    for entry in entries:
        entry.problem = problem
    return render(request, "web/chat/_entries.html", {"entries": entries}, status=status)


@requires(SIGNED_IN)
@require_POST
def chat_contact(request: HttpRequest, conversation_id: int):
    """Name and DNI edited in the header; the card again, or the form with its errors (422)."""
    conversation = _visible(request.user, conversation_id)
    form = ContactForm(request.POST)
    if write_form(form, contact_update, contact=conversation.contact):
        conversation = _visible(request.user, conversation_id)
        if request.htmx:
            context = _head_context(request, conversation)
            return render(request, "web/chat/_head.html", context)
        messages.success(request, _("Contacto guardado."))
        return redirect(reverse("chat", args=[conversation_id]))
    if request.htmx:
        context = _head_context(request, conversation, contact_form=form)
        return render(request, "web/chat/_head.html", context, status=422)
    return _page(request, conversation, status=422, contact_form=form)


@requires(SIGNED_IN)
@require_POST
def chat_close(request: HttpRequest, conversation_id: int):
    conversation = _visible(request.user, conversation_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _respond(request, conversation, status=422, close_form=form)
    try:
        services.conversation_close(
            conversation=conversation, by=request.user, reason=form.cleaned_data["reason"]
        )
    except Conflict:
        problem = _("La conversación ya estaba cerrada.")
        fresh = _visible(request.user, conversation_id)
        return _respond(request, fresh, status=409, action_error=problem)
    return _after_action(request, conversation_id, _("Conversación cerrada."))


@requires(SIGNED_IN)
@require_POST
def chat_transfer(request: HttpRequest, conversation_id: int):
    """To an area (routing picks the agent there) or, for supervisors and admins, to a person."""
    conversation = _visible(request.user, conversation_id)
    to_person = "user_id" in request.POST
    if to_person and not permissions.TRANSFER_TO_PERSON.grants(request.user):
        raise PermissionDenied
    if to_person:
        form = AgentTransferForm(request.POST, agents=_transfer_agents(request.user, conversation))
    else:
        form = AreaTransferForm(request.POST, areas=_transfer_areas())
    if not form.is_valid():
        problem = _("Elegí a quién transferir la conversación.")
        return _respond(request, conversation, status=422, action_error=problem)
    try:
        done = routing.transfer(
            conversation=conversation,
            by=request.user,
            area_id=form.cleaned_data.get("area_id"),
            user_id=form.cleaned_data.get("user_id"),
            note=form.cleaned_data.get("note") or "",
        )
    except Conflict:
        problem = _("La conversación está cerrada; reabrila para transferirla.")
        fresh = _visible(request.user, conversation_id)
        return _respond(request, fresh, status=409, action_error=problem)
    except InvalidInput as error:
        fresh = _visible(request.user, conversation_id)
        return _respond(request, fresh, status=422, action_error=error.detail)
    notice = _("Conversación transferida a %(name)s.") % {"name": done.target_name}
    return _after_action(request, conversation_id, notice)


@requires(REOPEN)
@require_POST
def chat_reopen(request: HttpRequest, conversation_id: int):
    conversation = _visible(request.user, conversation_id)
    try:
        services.conversation_reopen(conversation=conversation, by=request.user)
    except Forbidden as error:
        return _respond(request, conversation, status=403, action_error=error.detail)
    except Conflict:
        problem = (
            _("El cliente ya tiene una conversación abierta más nueva.")
            if conversation.status == Status.CLOSED
            else _("La conversación no está cerrada.")
        )
        return _respond(request, conversation, status=409, action_error=problem)
    return _after_action(request, conversation_id, _("Conversación reabierta."))
