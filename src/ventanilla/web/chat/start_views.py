"""Writing first ("Nuevo chat", and "Escribir" on a contact's page): pick a contact or type a
phone, the line and the area, and the first message: free text where the line allows it, a
template on the Cloud API (conversations.starting; docs/adr/0025-starting-a-conversation.md)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ventanilla.accounts.permissions import is_lead
from ventanilla.accounts.selectors import area_list
from ventanilla.conversations import starting
from ventanilla.conversations.contact_selectors import contact_get_for, contact_search
from ventanilla.conversations.models import Conversation
from ventanilla.conversations.permissions import START
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.core.fields import id_from_text
from ventanilla.providers import capabilities
from ventanilla.providers.models import Line
from ventanilla.web.access import requires
from ventanilla.web.chat.templates import picker, posted_template
from ventanilla.web.forms import ConsoleForm, add_service_errors

MATCHES = 8


class StartForm(ConsoleForm):
    contact_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(
        label=gettext_lazy("Teléfono"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    line_id = forms.TypedChoiceField(label=gettext_lazy("Línea"), coerce=int)
    area_id = forms.TypedChoiceField(
        label=gettext_lazy("Área"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(
        label=gettext_lazy("Mensaje"),
        max_length=4096,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, lines=(), areas=(), **kwargs):
        kwargs.setdefault("auto_id", "start-%s")
        super().__init__(*args, **kwargs)
        self.fields["line_id"].choices = [(line.pk, str(line)) for line in lines]
        self.fields["area_id"].choices = [("", "—")] + [(a.pk, a.name) for a in areas]


def _lines() -> list[Line]:
    return sorted(Line.objects.all(), key=lambda line: (not line.is_default, line.pk))


def _areas(user) -> list:
    if is_lead(user):
        return list(area_list(include_inactive=False))
    return list(user.areas.filter(is_active=True).order_by("name_key", "pk"))


def _contact(request: HttpRequest, raw) -> object | None:
    contact_id = id_from_text(str(raw or ""))
    if contact_id is None:
        return None
    try:
        return contact_get_for(viewer_user=request.user, contact_id=contact_id)
    except NotFound:
        return None


def _page(request, form, contact, *, status=200, errors=None):
    lines = _lines()
    q = request.GET.get("q", "").strip()
    matches = []
    if contact is None and q:
        matches = list(contact_search(viewer_user=request.user, q=q).order_by("name")[:MATCHES])
    given = {}
    if form.is_bound:
        given = {
            "chosen_id": id_from_text(request.POST.get("template", "")),
            "values": request.POST.getlist("parameter"),
        }
    context = {
        "section": "chats",
        "form": form,
        "contact": contact,
        "q": q,
        "matches": matches,
        "lines": [(line, capabilities.of(line).message_templates) for line in lines],
        "picker": picker(
            lines,
            contact_name=contact.name if contact else "",
            window_closed=True,
            errors=errors,
            **given,
        ),
    }
    return render(request, "web/chat/start.html", context, status=status)


@requires(START)
@require_http_methods(["GET", "POST"])
def chat_start(request: HttpRequest):
    lines, areas = _lines(), _areas(request.user)
    if request.method == "GET":
        contact = _contact(request, request.GET.get("contact"))
        initial = {"contact_id": contact.pk if contact else None}
        initial["area_id"] = contact.area_id if contact else None
        form = StartForm(initial=initial, lines=lines, areas=areas)
        return _page(request, form, contact)
    form = StartForm(request.POST, lines=lines, areas=areas)
    contact = _contact(request, request.POST.get("contact_id"))
    if not form.is_valid():
        return _page(request, form, contact, status=422)
    data = form.cleaned_data
    _chosen, template = posted_template(request.POST, data["line_id"])
    try:
        conversation = starting.conversation_start(
            by=request.user,
            contact_id=contact.pk if contact else None,
            phone=None if contact else data["phone"],
            line_id=data["line_id"],
            area_id=data["area_id"],
            text=None if template else data["text"],
            template=template,
        )
    except InvalidInput as error:
        own = {f: m for f, m in error.errors.items() if not f.startswith("template")}
        if own or not error.errors:
            add_service_errors(form, InvalidInput(error.detail, own))
        return _page(request, form, contact, status=422, errors=error.errors)
    except Conflict as error:
        return _already_open(request, error, data["line_id"], contact)
    messages.success(request, _("Conversación iniciada."))
    return redirect(reverse("chat", args=[conversation.pk]))


def _already_open(request, error: Conflict, line_id: int, contact):
    """The contact has an open conversation on the line: there, with the reason."""
    messages.info(request, error.detail)
    open_one = (
        Conversation.objects.filter(open_key__startswith=f"{line_id}:", contact=contact).first()
        if contact
        else None
    )
    if open_one is None:
        return redirect(reverse("home"))
    return redirect(reverse("chat", args=[open_one.pk]))
