"""The agent's desk tools: the Quick replies screen (everyone: their own, and the shared ones
they may manage) and the Labels screen (admins). Thin: parse, call one service, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ventanilla.accounts.models import Role
from ventanilla.accounts.permissions import is_admin
from ventanilla.accounts.selectors import area_list
from ventanilla.conversations import labels, selectors
from ventanilla.conversations.permissions import MANAGE_LABELS
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.quickreplies import selectors as replies
from ventanilla.quickreplies import services
from ventanilla.quickreplies.models import Scope
from ventanilla.quickreplies.permissions import MANAGE_SHARED, may_manage
from ventanilla.web.access import requires
from ventanilla.web.desk_tools_forms import LabelForm, QuickReplyForm
from ventanilla.web.forms import form_status, write_form
from ventanilla.web.views import _found

# --- Quick replies ---------------------------------------------------------------------------


def _scopes_and_areas(user) -> tuple[list[str], list]:
    """Where `user` may put a new reply, and which areas."""
    scopes = [Scope.PERSONAL]
    areas = []
    if MANAGE_SHARED.grants(user):
        areas = list(area_list(include_inactive=False))
        if not is_admin(user):
            mine = set(user.areas.values_list("pk", flat=True))
            areas = [area for area in areas if area.pk in mine]
        if areas:
            scopes.append(Scope.AREA)
        if is_admin(user):
            scopes.append(Scope.DESK)
    return scopes, areas


def _rows(user) -> list[dict]:
    return [
        {
            "reply": reply,
            "may_edit": may_manage(
                user, scope=reply.scope, area_id=reply.area_id, owner_id=reply.owner_id
            ),
        }
        for reply in replies.quick_reply_list(user=user)
    ]


@requires(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def quick_replies(request):
    """The replies the person may use; a new one at the bottom."""
    scopes, areas = _scopes_and_areas(request.user)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = QuickReplyForm(
        data, files, scopes=scopes, areas=areas, initial={"scope": Scope.PERSONAL}
    )
    if write_form(form, services.quick_reply_create, by=request.user):
        messages.success(request, _("Respuesta rápida creada."))
        return redirect("quick_replies")
    context = {
        "section": "quick_replies",
        "rows": _rows(request.user),
        "form": form,
        "is_agent": request.user.role not in (Role.ADMIN, Role.SUPERVISOR),
    }
    return render(request, "web/desk_tools/quick_replies.html", context, status=form_status(form))


@requires(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def quick_reply_edit(request, quick_reply_id: int):
    reply = _found(replies.quick_reply_get, user=request.user, quick_reply_id=quick_reply_id)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    initial = {"code": reply.code, "title": reply.title, "text": reply.text}
    form = QuickReplyForm(data, files, initial=initial, editing=True, has_file=bool(reply.file))
    if write_form(form, services.quick_reply_update, by=request.user, reply=reply):
        messages.success(request, _("Respuesta rápida guardada."))
        return redirect("quick_replies")
    context = {"section": "quick_replies", "form": form, "reply": reply}
    return render(request, "web/desk_tools/quick_reply_edit.html", context, form_status(form))


@requires(SIGNED_IN)
@require_POST
def quick_reply_delete(request, quick_reply_id: int):
    reply = _found(replies.quick_reply_get, user=request.user, quick_reply_id=quick_reply_id)
    services.quick_reply_delete(by=request.user, reply=reply)
    messages.success(request, _("Respuesta rápida borrada."))
    return redirect("quick_replies")


# --- Labels ----------------------------------------------------------------------------------


@requires(MANAGE_LABELS)
@require_http_methods(["GET", "POST"])
def label_list(request):
    data = request.POST if request.method == "POST" else None
    form = LabelForm(data, initial={"color": "gray"})
    if write_form(form, labels.label_create, by=request.user):
        messages.success(request, _("Etiqueta creada."))
        return redirect("labels")
    context = {"section": "labels", "labels": selectors.label_list(), "form": form}
    return render(request, "web/desk_tools/labels.html", context, status=form_status(form))


@requires(MANAGE_LABELS)
@require_http_methods(["GET", "POST"])
def label_edit(request, label_id: int):
    label = _found(selectors.label_get, label_id=label_id)
    data = request.POST if request.method == "POST" else None
    form = LabelForm(data, initial={"name": label.name, "color": label.color})
    if write_form(form, labels.label_update, by=request.user, label=label):
        messages.success(request, _("Etiqueta guardada."))
        return redirect("labels")
    context = {"section": "labels", "form": form, "label": label}
    return render(request, "web/desk_tools/label_edit.html", context, status=form_status(form))


@requires(MANAGE_LABELS)
@require_POST
def label_delete(request, label_id: int):
    label = _found(selectors.label_get, label_id=label_id)
    labels.label_delete(by=request.user, label=label)
    messages.success(request, _("Etiqueta borrada: ya no está en ninguna conversación."))
    return redirect("labels")
