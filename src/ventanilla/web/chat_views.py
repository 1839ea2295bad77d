"""The Chat screen: the conversation list on the left, the open conversation on the right.

Thin like the rest of the console: forms parse, `conversations.selectors` read through the
visibility rule, the services write. Every read is bounded: the list and the thread are keyset
pages, and the notes, names and choices around them are one query each, however many rows.

htmx swaps the parts (the list, the pane, the composer, the contact card); without it every form
still works as a plain post and redirect. The modules of static/web/chat/ keep the screen live
from the /ws/ socket by asking the small partials below for the rows and bubbles that changed
(one rendering path).
"""

import datetime
from dataclasses import dataclass
from typing import TypedDict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from ventanilla.accounts.models import Area, User
from ventanilla.accounts.selectors import area_list
from ventanilla.contacts.services import contact_update
from ventanilla.conversations import permissions, selectors, services, tasks
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    Conversation,
    ConversationEvent,
    Direction,
    EventKind,
    Message,
    MessageType,
    SenderType,
    Status,
)
from ventanilla.conversations.permissions import REOPEN
from ventanilla.core import clock
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.core.jobs import enqueue_after_commit
from ventanilla.core.models import LiveEvent
from ventanilla.core.pagination import PageQuery, keyset_page
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.providers.models import Provider
from ventanilla.routing import services as routing
from ventanilla.web.access import requires
from ventanilla.web.forms import ConsoleForm, add_service_errors

LIST_SIZE = 50
THREAD_SIZE = 50
AFTER_SIZE = 100
ATTENTION_SIZE = 500
NOTE_KINDS = (
    EventKind.ASSIGNED,
    EventKind.QUEUED,
    EventKind.TRANSFERRED,
    EventKind.CLOSED,
    EventKind.REOPENED,
)
STATUS_LABELS = dict(Status.choices)
ROW_FIELDS = (
    "status",
    "unread_count",
    "last_activity_at",
    "contact__name",
    "contact__dni",
    "area__name",
    "assigned_to__name",
    "assigned_to__username",
    "last_message__direction",
    "last_message__sender_type",
    "last_message__sender_user_id",
    "last_message__type",
    "last_message__text",
    "last_message__sender_user__name",
    "last_message__sender_user__username",
)
OPEN = [str(status) for status in OPEN_STATUSES]

# --- Tabs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    statuses: tuple[str, ...]
    assigned: str | None


def _tabs(user: User) -> list[Tab]:
    tabs = [
        Tab("mine", _("Míos"), tuple(OPEN), "me"),
        Tab("queue", _("En cola"), (Status.QUEUED,), "none"),
    ]
    if permissions.SEE_EVERY_OPEN.grants(user):
        tabs.append(Tab("all", _("Todos"), tuple(OPEN), None))
    tabs.append(Tab("closed", _("Cerradas"), (Status.CLOSED,), None))
    return tabs


def _tab(request: HttpRequest) -> Tab:
    """The tab asked for; an unknown one (or "all" for an agent) is the role's default."""
    tabs = {tab.key: tab for tab in _tabs(request.user)}
    wanted = request.GET.get("tab") or request.POST.get("tab") or ""
    if wanted in tabs:
        return tabs[wanted]
    return tabs.get("all", tabs["mine"])


def _query(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


def _conversations(user: User, tab: Tab, q: str) -> QuerySet[Conversation]:
    """The tab's conversations with only the columns a row shows (a list of 500 loads in a
    third of the time of whole rows of five tables)."""
    return selectors.conversation_list(
        user=user, statuses=list(tab.statuses), assigned=tab.assigned, q=q
    ).only(*ROW_FIELDS)


# --- List rows -------------------------------------------------------------------------------


class Row(TypedDict):
    """One row of the list, every value its template shows worked out here. A plain dict of
    plain values: the template's lookups are one step each, with no URL reversal, date
    formatting or plural tag per row (500 rows: bench/chat_list.py, docs/performance.md)."""

    id: int
    status: str
    status_label: str
    unread: int
    unread_label: str  # "2 mensajes sin leer", for screen readers
    assigned: int | str  # the assignee's id, "" when nobody has it
    who: str  # the assignee's name when it is someone else than the viewer
    name: str
    initial: str  # the avatar's letter
    dni: str
    area: str
    when: str  # "14:05", "Ayer", "martes" or "12/05/2026"
    activity: str  # last activity, ISO 8601 in local time (chat/list.js orders the rows by it)
    activity_title: str  # last activity, long local date and time
    prefix: str  # "Tú: ", "Bot: ", "Sofía: " or ""
    preview: str
    href: str  # the conversation in this tab


class _When:
    """The list's time labels, each day formatted once however many rows share it."""

    def __init__(self) -> None:
        self.today = timezone.localdate(clock.now())
        self._days: dict[datetime.date, tuple[str, str]] = {}

    def __call__(self, moment: datetime.datetime) -> tuple[str, str, str]:
        """(relative label, ISO 8601, long date and time) of `moment`, in local time."""
        local = timezone.localtime(moment)
        date = local.date()
        labels = self._days.get(date)
        if labels is None:
            labels = self._days[date] = (self._relative(date), date_format(date, "DATE_FORMAT"))
        hour = local.strftime("%H:%M")
        relative, long_date = labels
        return relative or hour, local.isoformat(), f"{long_date} {hour}"

    def _relative(self, date: datetime.date) -> str:
        """The label of an earlier day ("Ayer", the weekday within a week, else the short
        date); "" for today, which shows the hour."""
        if date == self.today:
            return ""
        if date == self.today - datetime.timedelta(days=1):
            return _("Ayer")
        if self.today - date < datetime.timedelta(days=7):
            return date_format(date, "l")
        return date_format(date, "SHORT_DATE_FORMAT")


def _type_label(message: Message) -> str:
    labels = {
        MessageType.IMAGE: _("📷 Imagen"),
        MessageType.AUDIO: _("🎵 Audio"),
        MessageType.VOICE: _("🎤 Nota de voz"),
        MessageType.VIDEO: _("🎬 Video"),
        MessageType.DOCUMENT: _("📄 Documento"),
        MessageType.STICKER: _("Sticker"),
        MessageType.LOCATION: _("📍 Ubicación"),
        MessageType.CONTACTS: _("👤 Contacto"),
        MessageType.REACTION: _("Reacción"),
    }
    return labels.get(message.type, message.get_type_display())


def _prefix(message: Message, viewer: User) -> str:
    if message.direction != Direction.OUT:
        return ""
    if message.sender_type == SenderType.BOT:
        return _("Bot: ")
    if message.sender_type == SenderType.AGENT:
        if message.sender_user_id == viewer.pk:
            return _("Tú: ")
        if message.sender_user is not None:
            return f"{message.sender_user.display_name}: "
    return ""


def _row(conversation: Conversation, viewer: User, when: _When, href: str) -> Row:
    last = conversation.last_message
    preview, prefix = "", ""
    if last is not None:
        text = " ".join(last.text.split())
        if last.type in (MessageType.TEXT, MessageType.INTERACTIVE, MessageType.SYSTEM) and text:
            preview = text
        else:
            preview = f"{_type_label(last)} {text}".strip() if text else _type_label(last)
        prefix = _prefix(last, viewer)
    relative, activity, title = when(conversation.last_activity_at)
    contact, area, assignee = conversation.contact, conversation.area, conversation.assigned_to
    unread = conversation.unread_count
    unread_label = ngettext("%(count)d mensaje sin leer", "%(count)d mensajes sin leer", unread)
    return Row(
        id=conversation.pk,
        status=conversation.status,
        status_label=str(STATUS_LABELS.get(conversation.status, conversation.status)),
        unread=unread,
        unread_label=unread_label % {"count": unread},
        assigned=conversation.assigned_to_id or "",
        who=assignee.display_name if assignee and assignee.pk != viewer.pk else "",
        name=contact.name,
        initial=contact.name[:1].upper(),
        dni=contact.dni,
        area=area.name if area else "",
        when=relative,
        activity=activity,
        activity_title=title,
        prefix=prefix,
        preview=preview[:160],
        href=href.format(id=conversation.pk),
    )


def _rows(conversations, viewer: User, tab: Tab) -> list[Row]:
    when = _When()
    href = reverse("chat", args=[0]).replace("/0/", "/{id}/") + f"?tab={tab.key}"
    return [_row(conversation, viewer, when, href) for conversation in conversations]


def _list_context(request: HttpRequest, tab: Tab, q: str) -> dict:
    try:
        page, next_cursor = keyset_page(
            _conversations(request.user, tab, q),
            ordering=("-last_activity_at", "-id"),
            page=PageQuery(LIST_SIZE, request.GET.get("cursor") or None),
        )
    except InvalidInput as error:
        raise Http404(_("Página inexistente.")) from error
    more_url = ""
    if next_cursor:
        query = urlencode({"tab": tab.key, "q": q, "cursor": next_cursor, "part": "items"})
        more_url = f"{reverse('chat_list')}?{query}"
    return {
        "tab": tab,
        "tabs": _tabs(request.user),
        "q": q,
        "rows": _rows(page, request.user, tab),
        "more_url": more_url,
    }


def _attention(user: User) -> list[dict]:
    """The open conversations that are the viewer's to answer: theirs, and those waiting
    unassigned in the queue. chat/list.js keeps the tab badges and the page title from them."""
    rows = (
        selectors.conversation_list(user=user, statuses=OPEN)
        .filter(Q(assigned_to_id=user.pk) | Q(status=Status.QUEUED, assigned_to__isnull=True))
        .order_by("-last_activity_at", "-id")
        .values_list("pk", "status", "assigned_to_id", "unread_count", "contact__name")
    )
    return [
        {"id": pk, "status": status, "mine": assignee == user.pk, "unread": unread, "name": name}
        for pk, status, assignee, unread, name in rows[:ATTENTION_SIZE]
    ]


# --- The thread ------------------------------------------------------------------------------


@dataclass
class Entry:
    """One line of the thread: a message bubble, or a centred note (assignment, close...)."""

    kind: str  # "message" or "note"
    dom_id: str
    at: datetime.datetime
    conversation_id: int
    day: str  # ISO date, for the day chip
    day_label: str
    side: str  # "in", "out" or "note"
    message: Message | None = None
    note: str = ""
    author: str = ""  # the agent's name over an outgoing bubble, "Bot" for the bot
    show_day: bool = False
    separator: str = ""  # "Conversación anterior · fecha", shown when the conversation changes
    show_separator: bool = False
    tail: bool = False
    menu: tuple[str, ...] = ()
    map_url: str = ""
    place: str = ""

    @property
    def day_date(self) -> str:
        """The day in full, for chat/thread.js to relabel the chips when "Hoy" becomes "Ayer"."""
        return date_format(datetime.date.fromisoformat(self.day), "DATE_FORMAT")


def _day_label(date: datetime.date, today: datetime.date) -> str:
    if date == today:
        return _("Hoy")
    if date == today - datetime.timedelta(days=1):
        return _("Ayer")
    return date_format(date, "DATE_FORMAT")


def _menu(payload) -> tuple[str, ...]:
    if not isinstance(payload, dict) or payload.get("kind") not in ("buttons", "list"):
        return ()
    options = payload.get("options")
    return tuple(
        str(option["title"])
        for option in (options if isinstance(options, list) else [])
        if isinstance(option, dict) and option.get("title")
    )


def _location(payload) -> tuple[str, str]:
    """(map link, place name) of a location message."""
    if not isinstance(payload, dict):
        return "", ""
    place = " · ".join(str(payload[k]) for k in ("name", "address") if payload.get(k))
    url = str(payload.get("url") or "")
    lat, lon = payload.get("latitude"), payload.get("longitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    if not url.startswith(("https://", "http://")):
        url = ""
    return url, place


def _message_entry(message: Message, today: datetime.date) -> Entry:
    date = timezone.localdate(message.created_at)
    author = ""
    if message.direction == Direction.OUT:
        if message.sender_type == SenderType.BOT:
            author = _("Bot")
        elif message.sender_user is not None:
            author = message.sender_user.display_name
        elif message.sender_type == SenderType.SYSTEM:
            author = _("Sistema")
    map_url, place = (
        _location(message.payload) if message.type == MessageType.LOCATION else ("", "")
    )
    return Entry(
        kind="message",
        dom_id=f"m-{message.pk}",
        at=message.created_at,
        conversation_id=message.conversation_id,
        day=date.isoformat(),
        day_label=_day_label(date, today),
        side=message.direction,
        message=message,
        author=author,
        menu=_menu(message.payload) if message.direction == Direction.OUT else (),
        map_url=map_url,
        place=place,
    )


def _note_text(event: ConversationEvent, users: dict, areas: dict) -> str:
    actor = event.actor.display_name if event.actor is not None else ""
    data = event.data if isinstance(event.data, dict) else {}
    user = users.get(data.get("user_id"), "")
    area = areas.get(data.get("area_id"), "")
    if event.kind == EventKind.ASSIGNED:
        if actor and actor != user:
            return _("%(actor)s asignó la conversación a %(user)s") % {"actor": actor, "user": user}
        return _("Conversación asignada a %(user)s") % {"user": user}
    if event.kind == EventKind.QUEUED:
        return _("En cola en %(area)s") % {"area": area}
    if event.kind == EventKind.TRANSFERRED:
        target = user or area
        if actor:
            return _("%(actor)s transfirió la conversación a %(target)s") % {
                "actor": actor,
                "target": target,
            }
        return _("Conversación transferida a %(target)s") % {"target": target}
    if event.kind == EventKind.CLOSED:
        reason = str(data.get("reason") or "")
        if reason == "auto_inactivity":
            reason = _("inactividad")
        text = (
            _("%(actor)s cerró la conversación") % {"actor": actor}
            if actor
            else _("Conversación cerrada")
        )
        return f"{text} · {reason}" if reason else text
    if event.kind == EventKind.REOPENED:
        return _("%(actor)s reabrió la conversación") % {"actor": actor or _("Alguien")}
    return event.get_kind_display()


def _echoes(events: list[ConversationEvent]) -> set[int]:
    """The assignments that only repeat the transfer to a person just before them (a transfer
    records both): one note says it."""
    echoes, previous = set(), None
    for event in sorted(events, key=lambda event: (event.created_at, event.pk)):
        if (
            event.kind == EventKind.ASSIGNED
            and previous is not None
            and previous.kind == EventKind.TRANSFERRED
            and previous.conversation_id == event.conversation_id
            and previous.actor_id == event.actor_id
            and isinstance(previous.data, dict)
            and isinstance(event.data, dict)
            and previous.data.get("user_id") == event.data.get("user_id")
        ):
            echoes.add(event.pk)
        previous = event
    return echoes


def _note_entries(events: list[ConversationEvent], today: datetime.date) -> list[Entry]:
    """Notes for `events`: two more queries at most (the users and areas they name)."""
    echoes = _echoes(events)
    events = [event for event in events if event.pk not in echoes]
    user_ids = {e.data.get("user_id") for e in events if isinstance(e.data, dict)} - {None}
    area_ids = {e.data.get("area_id") for e in events if isinstance(e.data, dict)} - {None}
    users = {}
    if user_ids:
        users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}
    areas = {}
    if area_ids:
        areas = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    entries = []
    for event in events:
        date = timezone.localdate(event.created_at)
        entries.append(
            Entry(
                kind="note",
                dom_id=f"e-{event.pk}",
                at=event.created_at,
                conversation_id=event.conversation_id,
                day=date.isoformat(),
                day_label=_day_label(date, today),
                side="note",
                note=_note_text(event, users, areas),
            )
        )
    return entries


def _timeline_messages(conversation: Conversation, user: User) -> QuerySet[Message]:
    """The messages of this conversation and of the contact's earlier ones `user` may see."""
    history = selectors.contact_history(user=user, conversation=conversation)
    return Message.objects.filter(conversation__in=history).select_related(
        "sender_user", "conversation"
    )


def _timeline_events(conversation: Conversation, user: User) -> QuerySet[ConversationEvent]:
    history = selectors.contact_history(user=user, conversation=conversation)
    return (
        ConversationEvent.objects.filter(conversation__in=history, kind__in=NOTE_KINDS)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def _arrange(entries: list[Entry], conversation: Conversation) -> list[Entry]:
    """Oldest first; day chips, conversation separators and bubble tails as the page shows them.
    chat/thread.js applies the same rule again where pages and live bubbles meet."""
    entries.sort(key=lambda entry: (entry.at, entry.kind == "note", int(entry.dom_id[2:])))
    previous = None
    for entry in entries:
        entry.separator = _separator(entry, conversation)
        new_day = previous is None or previous.day != entry.day
        new_conversation = previous is None or previous.conversation_id != entry.conversation_id
        entry.show_day = new_day
        entry.show_separator = bool(entry.separator) and (
            entry.conversation_id != conversation.pk if previous is None else new_conversation
        )
        entry.tail = (
            new_day
            or new_conversation
            or previous.side != entry.side
            or previous.author != entry.author
        )
        previous = entry
    return entries


def _separator(entry: Entry, conversation: Conversation) -> str:
    if entry.message is None:
        return ""
    started = timezone.localdate(entry.message.conversation.created_at)
    if entry.conversation_id == conversation.pk:
        return _("Conversación actual · %(date)s") % {"date": date_format(started, "DATE_FORMAT")}
    return _("Conversación anterior · %(date)s") % {"date": date_format(started, "DATE_FORMAT")}


def _thread(
    conversation: Conversation, user: User, cursor: str | None, until
) -> tuple[list[Entry], str]:
    """One page of the thread (newest messages first, shown oldest first), with the notes that
    fall in it; and the URL of the older page ("" when this is the oldest)."""
    try:
        page, next_cursor = keyset_page(
            _timeline_messages(conversation, user),
            ordering=("-id",),
            page=PageQuery(THREAD_SIZE, cursor),
        )
    except InvalidInput as error:
        raise Http404(_("Página inexistente.")) from error
    today = timezone.localdate(clock.now())
    entries = [_message_entry(message, today) for message in page]
    events = _timeline_events(conversation, user)
    if next_cursor and page:
        events = events.filter(created_at__gte=page[-1].created_at)
    if until is not None:
        events = events.filter(created_at__lt=until)
    entries += _note_entries(list(events[:200]), today)
    older_url = ""
    if next_cursor and page:
        query = urlencode({"cursor": next_cursor, "until": page[-1].created_at.isoformat()})
        older_url = f"{reverse('chat_older', args=[conversation.pk])}?{query}"
    return _arrange(entries, conversation), older_url


# --- Forms -----------------------------------------------------------------------------------


class ComposerForm(ConsoleForm):
    text = forms.CharField(
        label=gettext_lazy("Mensaje"),
        max_length=4096,
        error_messages={
            "required": gettext_lazy("Escribí un mensaje."),
            "max_length": gettext_lazy("WhatsApp acepta hasta %(limit_value)d caracteres."),
        },
        widget=forms.Textarea(
            attrs={
                "rows": 1,
                "placeholder": gettext_lazy("Escribí un mensaje"),
                "enterkeyhint": "send",
                "autocomplete": "off",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "composer-%s")
        super().__init__(*args, **kwargs)


class ContactForm(ConsoleForm):
    name = forms.CharField(
        label=gettext_lazy("Nombre"),
        max_length=150,
        error_messages={"required": gettext_lazy("Escribí el nombre.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    dni = forms.CharField(
        label=gettext_lazy("DNI"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "contact-%s")
        super().__init__(*args, **kwargs)

    def clean_dni(self) -> str:
        dni = self.cleaned_data["dni"]
        digits = "".join(ch for ch in dni if ch not in ". -")
        if digits and not (digits.isdigit() and 7 <= len(digits) <= 8):
            raise forms.ValidationError(
                _("El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios).")
            )
        return digits


class CloseForm(ConsoleForm):
    reason = forms.CharField(
        label=gettext_lazy("Motivo (opcional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)


class AreaTransferForm(ConsoleForm):
    area_id = forms.TypedChoiceField(label=gettext_lazy("Área"), coerce=int)

    def __init__(self, *args, areas=(), **kwargs):
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["area_id"].choices = [(area.pk, area.name) for area in areas]


class AgentTransferForm(ConsoleForm):
    user_id = forms.TypedChoiceField(label=gettext_lazy("Agente"), coerce=int)

    def __init__(self, *args, agents=(), **kwargs):
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["user_id"].choices = [
            (user.pk, f"{user.display_name} · {user.get_role_display()}") for user in agents
        ]


# --- The pane --------------------------------------------------------------------------------


def _visible(user: User, conversation_id: int) -> Conversation:
    try:
        return selectors.conversation_get(user=user, conversation_id=conversation_id)
    except NotFound as error:
        raise Http404(_("Conversación inexistente.")) from error


def _transfer_areas():
    return list(area_list(include_inactive=False))


def _transfer_agents(user: User, conversation: Conversation) -> list[User]:
    """Whom a supervisor or an admin may hand the conversation to (conversations.permissions)."""
    agents = permissions.transfer_targets(by=user, conversation=conversation)
    return list(agents.order_by("name", "username", "pk")[:200])


def _lock_reason(conversation: Conversation, line) -> str:
    """Why the composer is locked, or "" when the agent may write."""
    if conversation.status == Status.CLOSED:
        return _("La conversación está cerrada.")
    if not services.window_open(conversation, line):
        return _(
            "Pasaron más de 24 horas desde el último mensaje del cliente: WhatsApp solo acepta "
            "plantillas hasta que vuelva a escribir."
        )
    return ""


def _window_text(conversation: Conversation, line) -> str:
    """The 24-hour window of the Cloud API, for the header ("" on lines without one)."""
    if line.provider != Provider.CLOUD or conversation.status == Status.CLOSED:
        return ""
    last = conversation.last_inbound_at
    if last is None or not services.window_open(conversation, line):
        return _("Ventana de 24 h cerrada")
    left = services.CUSTOMER_SERVICE_WINDOW - (clock.now() - last)
    hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
    return _("Ventana de 24 h: quedan %(h)d h %(m)02d min") % {"h": hours, "m": minutes}


def _window_ends(conversation: Conversation, line) -> str:
    """When the open 24-hour window closes (ISO 8601), for chat/pane.js to lock the composer then;
    "" when there is no window running."""
    if not _window_text(conversation, line) or not services.window_open(conversation, line):
        return ""
    return (conversation.last_inbound_at + services.CUSTOMER_SERVICE_WINDOW).isoformat()


def _may_read(conversation: Conversation, user: User) -> bool:
    """Opening marks read for the agent who answers it (or anyone, while nobody does): an admin
    glancing at a colleague's chat leaves it unread for them."""
    return conversation.assigned_to_id in (None, user.pk)


def _mark_read(conversation: Conversation, user: User) -> None:
    if conversation.unread_count == 0 or not _may_read(conversation, user):
        return
    provider_ids = services.conversation_mark_read(conversation=conversation, by=user)
    conversation.unread_count = 0
    if provider_ids:
        line_id, latest = conversation.line_id, provider_ids[0]
        enqueue_after_commit(
            lambda: tasks.send_read_receipt(line_id, latest), what="a read receipt"
        )


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
    return {
        "conversation": conversation,
        "contact": conversation.contact,
        "lock_reason": _lock_reason(conversation, line),
        "window_text": _window_text(conversation, line),
        "window_ends": _window_ends(conversation, line),
        "contact_form": contact_form,
        "close_form": close_form or CloseForm(),
        "area_form": AreaTransferForm(areas=areas) if areas else None,
        "agent_form": AgentTransferForm(agents=agents) if agents else None,
        "may_reopen": permissions.REOPEN.grants(user) and is_closed,
        "action_error": action_error,
        "tab": _tab(request),
    }


def _pane_context(
    request: HttpRequest,
    conversation: Conversation,
    *,
    composer: ComposerForm | None = None,
    **head,
) -> dict:
    entries, older_url = _thread(conversation, request.user, None, None)
    return {
        **_head_context(request, conversation, **head),
        "entries": entries,
        "older_url": older_url,
        "composer": composer or ComposerForm(),
    }


def _pane(request: HttpRequest, conversation: Conversation, status: int = 200, **extra):
    context = _pane_context(request, conversation, **extra)
    return render(request, "web/chat/_pane.html", context, status=status)


def _page(request: HttpRequest, conversation: Conversation | None, status=200, **extra):
    tab, q = _tab(request), _query(request)
    context = {
        "section": "chats",
        **_list_context(request, tab, q),
        "attention": _attention(request.user),
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
            context = {"notice": done, "tab": _tab(request)}
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
    context = _list_context(request, _tab(request), _query(request))
    if request.GET.get("part") == "items":
        return render(request, "web/chat/_items.html", context)
    context["attention"] = _attention(request.user)
    return render(request, "web/chat/_side.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_item(request: HttpRequest, conversation_id: int):
    """One row of the list, as the current tab and search show it; 404 when it is not in them."""
    tab, q = _tab(request), _query(request)
    conversation = _conversations(request.user, tab, q).filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404(_("Conversación inexistente."))
    row = _rows([conversation], request.user, tab)[0]
    return render(request, "web/chat/_item.html", {"row": row, "tab": tab, "q": q})


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
    context = {
        "conversation": conversation,
        "lock_reason": _lock_reason(conversation, conversation.line),
        "composer": ComposerForm(),
        "may_reopen": permissions.REOPEN.grants(request.user)
        and conversation.status == Status.CLOSED,
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
    entries, older_url = _thread(conversation, request.user, request.GET["cursor"], until)
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
    timeline = _timeline_messages(conversation, request.user)
    rows = list(timeline.filter(id__gte=after).order_by("id")[:AFTER_SIZE])
    anchor = rows[0] if rows and rows[0].pk == after else None
    fresh = [message for message in rows if message.pk != after]
    today = timezone.localdate(clock.now())
    entries = [_message_entry(message, today) for message in fresh]
    events = _timeline_events(conversation, request.user)
    if anchor is not None:
        events = events.filter(created_at__gte=anchor.created_at)
    entries += _note_entries(list(events.order_by("-created_at", "-id")[:AFTER_SIZE]), today)
    context = {"entries": _arrange(entries, conversation), "conversation": conversation}
    return render(request, "web/chat/_entries.html", context)


@requires(SIGNED_IN)
@require_GET
def chat_message(request: HttpRequest, conversation_id: int, message_id: int):
    """One bubble, re-rendered when its tick moves or its file arrives."""
    conversation = _visible(request.user, conversation_id)
    message = _timeline_messages(conversation, request.user).filter(pk=message_id).first()
    if message is None:
        raise Http404(_("Mensaje inexistente."))
    entries = _arrange([_message_entry(message, timezone.localdate(clock.now()))], conversation)
    return render(request, "web/chat/_entries.html", {"entries": entries})


# --- Views: actions --------------------------------------------------------------------------


@requires(SIGNED_IN)
@require_POST
def chat_send(request: HttpRequest, conversation_id: int):
    conversation = _visible(request.user, conversation_id)
    form = ComposerForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            message = services.agent_reply(
                conversation=conversation, by=request.user, text=form.cleaned_data["text"]
            )
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
                response["HX-Trigger"] = f'{{"chat:sent": {{"id": {message.pk}}}}}'
                return response
            return redirect(reverse("chat", args=[conversation_id]))
    if request.htmx:
        context = {
            "conversation": conversation,
            "composer": form,
            "lock_reason": form.non_field_errors()[0] if status == 409 else "",
            "may_reopen": False,
        }
        return render(request, "web/chat/_composer.html", context, status=status)
    return _page(request, conversation, status=status, composer=form)


@requires(SIGNED_IN)
@require_POST
def chat_contact(request: HttpRequest, conversation_id: int):
    """Name and DNI edited in the header; the card again, or the form with its errors (422)."""
    conversation = _visible(request.user, conversation_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact_update(
                contact=conversation.contact,
                name=form.cleaned_data["name"],
                dni=form.cleaned_data["dni"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
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
    except Conflict:
        problem = (
            _("El cliente ya tiene una conversación abierta más nueva.")
            if conversation.status == Status.CLOSED
            else _("La conversación no está cerrada.")
        )
        return _respond(request, conversation, status=409, action_error=problem)
    return _after_action(request, conversation_id, _("Conversación reabierta."))
