"""The sandbox phone: staff write as a WhatsApp customer of the sandbox line and read the replies.

Thin like the rest of the console: the form parses, `customer_writes` stores the message through
the same pipeline as a real webhook, and `sandbox_thread` reads both sides back. With htmx the
send answers the re-rendered phone (422 with the field errors), and the thread polls its partial
with a POST: the phone, its chat open, reads what came. A GET only shows. There is no phone (404)
when the installation has no sandbox line, and beside a real line it is for admins (ADR 0018).
"""

import uuid
from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ventanilla.contacts.phones import canonical_phone
from ventanilla.conversations.models import Direction, Message, MessageType
from ventanilla.core.errors import InvalidInput
from ventanilla.core.files import stored_file_response
from ventanilla.inbound.permissions import DRIVE_SANDBOX
from ventanilla.inbound.sandbox import customer_sees, customer_writes, sandbox_line
from ventanilla.web.access import requires
from ventanilla.web.days import day_label
from ventanilla.web.forms import ConsoleForm

DEFAULT_PHONE = "+54 9 351 555-0001"
THREAD_SIZE = 200
MENU_KINDS = ("buttons", "list")

# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bubble:
    """One message as the customer's phone shows it."""

    message: Message
    mine: bool  # written by the customer (right, green)
    menu_kind: str  # "buttons", "list" or "" when the bot sent no menu
    options: tuple[str, ...]  # the menu's option titles, in order
    day: str  # "Hoy", "Ayer" or the date, on the first message of each day; else ""
    tail: bool  # first of a run from the same side: the bubble gets its tail
    quoted: Message | None = None  # the message it answers, when the thread has it


def _menu(payload: object) -> tuple[str, tuple[str, ...]]:
    if not isinstance(payload, dict) or payload.get("kind") not in MENU_KINDS:
        return "", ()
    options = payload.get("options")
    titles = tuple(
        str(option["title"])
        for option in (options if isinstance(options, list) else [])
        if isinstance(option, dict) and option.get("title")
    )
    return (payload["kind"], titles) if titles else ("", ())


def sandbox_thread(*, phone: str, limit: int = THREAD_SIZE) -> list[Bubble]:
    """The last `limit` messages between the sandbox line and this phone, oldest first.

    Both sides: what the customer wrote (in) and what the desk answered (out). A phone that is not
    a phone has no thread. One query for the line (two when the default line is another one) and
    one for the messages, however long the thread.
    """
    canonical = canonical_phone(phone)
    if canonical is None:
        return []
    newest_first = Message.objects.filter(
        line=sandbox_line(),
        conversation__contact__phone=canonical[0],
        conversation__contact__sandbox=True,
    ).order_by("-id")[:limit]
    today = timezone.localdate()
    bubbles: list[Bubble] = []
    shown = [m for m in reversed(list(newest_first)) if m.type != MessageType.REACTION]
    by_provider_id = {message.provider_id: message for message in shown if message.provider_id}
    for message in shown:
        mine = message.direction == Direction.IN
        kind, options = ("", ()) if mine else _menu(message.payload)
        date = timezone.localdate(message.created_at)
        previous = bubbles[-1] if bubbles else None
        new_day = previous is None or timezone.localdate(previous.message.created_at) != date
        bubbles.append(
            Bubble(
                message=message,
                mine=mine,
                menu_kind=kind,
                options=options,
                day=day_label(date, today) if new_day else "",
                tail=new_day or previous.mine != mine or bool(previous.options),
                quoted=by_provider_id.get(message.reply_to_provider_id or None),
            )
        )
    return bubbles


# --- Form ------------------------------------------------------------------------------------


class SandboxMessageForm(ConsoleForm):
    """What the customer sends: typed text, or the title of a menu option they tapped."""

    phone = forms.CharField(
        label=gettext_lazy("Tu número"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(
        label=gettext_lazy("Tu nombre"),
        max_length=150,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "name", "placeholder": gettext_lazy("Opcional")}
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Mensaje"),
        max_length=4096,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 1, "placeholder": gettext_lazy("Mensaje"), "enterkeyhint": "send"}
        ),
    )
    # sent only by a menu button (name="option"); never rendered, so it cannot shadow the button
    option = forms.CharField(max_length=4096, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "sandbox-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not (data.get("option") or data.get("text")) and "text" not in self.errors:
            self.add_error("text", _("Escribí un mensaje."))
        return data

    @property
    def message_text(self) -> str:
        return self.cleaned_data["option"] or self.cleaned_data["text"]

    def add_service_errors(self, error: InvalidInput) -> None:
        """The service names the phone "from" (as the API does); its message is in English."""
        if not error.errors:
            self.add_error(None, error.detail)
            return
        for field, messages in error.errors.items():
            if field == "from":
                # on one line (no-break spaces), and still a phone when copied back
                example = {"example": DEFAULT_PHONE.replace("-", " ").replace(" ", "\u00a0")}
                self.add_error(
                    "phone", _("No es un número de teléfono. Probá con %(example)s.") % example
                )
                continue
            target = field if field in self.fields and field != "option" else None
            for message in messages:
                self.add_error(target, message)


# --- Views -----------------------------------------------------------------------------------


def _context(form: SandboxMessageForm, phone: str) -> dict:
    # the caret goes where the person has to act: the wrong phone, else the composer
    focus = "phone" if form.is_bound and "phone" in form.errors else "text"
    form.fields[focus].widget.attrs["autofocus"] = True
    return {
        "section": "sandbox",
        "form": form,
        "line": sandbox_line(),
        "thread": sandbox_thread(phone=phone),
    }


@requires(DRIVE_SANDBOX)
@require_http_methods(["GET", "POST"])
def sandbox_page(request: HttpRequest):
    if request.method == "GET":
        phone = request.GET.get("phone", "").strip()[:40] or DEFAULT_PHONE
        form = SandboxMessageForm(initial={"phone": phone})
        return render(request, "web/sandbox/page.html", _context(form, phone))

    form = SandboxMessageForm(request.POST)
    if form.is_valid():
        try:
            customer_writes(
                phone=form.cleaned_data["phone"],
                name=form.cleaned_data["name"],
                text=form.message_text,
                message_id=uuid.uuid4().hex,
            )
        except InvalidInput as error:
            form.add_service_errors(error)
    phone = form.cleaned_data.get("phone", "")
    if form.errors:
        template = "web/sandbox/_phone.html" if request.htmx else "web/sandbox/page.html"
        return render(request, template, _context(form, phone), status=422)
    if not request.htmx:
        return redirect(f"{reverse('sandbox')}?{urlencode({'phone': phone})}")
    # a fresh composer; a draft typed before tapping a menu option stays in it
    kept = form.cleaned_data["text"] if form.cleaned_data["option"] else ""
    fresh = SandboxMessageForm(
        initial={"phone": phone, "name": form.cleaned_data["name"], "text": kept}
    )
    return render(request, "web/sandbox/_phone.html", _context(fresh, phone))


@requires(DRIVE_SANDBOX)
@require_http_methods(["GET", "POST"])
def sandbox_thread_part(request: HttpRequest):
    """The thread alone. The phone polls it with a POST: its chat is open, so it reads what came
    (the desk's ticks turn to read). A GET only shows it."""
    if request.method == "POST":
        phone = request.POST.get("phone", "")[:40]
        customer_sees(phone=phone)
    else:
        phone = request.GET.get("phone", "")[:40]
    context = {"thread": sandbox_thread(phone=phone), "line": sandbox_line()}
    return render(request, "web/sandbox/_thread.html", context)


@requires(DRIVE_SANDBOX)
@require_GET
def sandbox_media(request: HttpRequest, message_id: int):
    """A file of the sandbox line's thread, as the customer's phone shows it (what the desk sent
    them, what they sent): no other line's file is served here."""
    message = Message.objects.filter(pk=message_id, line=sandbox_line()).first()
    if message is None or not message.media_file:
        raise Http404(_("Este mensaje no tiene un archivo guardado."))
    return stored_file_response(message.media_file, message.media_mime_type, message.media_filename)
