"""The conversation list: its tabs and its rows, each a plain dict of what the row shows."""

import datetime
import math
from dataclasses import dataclass
from typing import TypedDict

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ventanilla.accounts.models import User
from ventanilla.conversations import permissions, search, selectors
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    Direction,
    MessageType,
    SenderType,
    Status,
)
from ventanilla.core import clock
from ventanilla.core.errors import InvalidInput
from ventanilla.core.fields import id_from_text
from ventanilla.core.pagination import PageQuery, keyset_page
from ventanilla.routing import reasons
from ventanilla.web import whatsapp_text

LIST_SIZE = 50
ATTENTION_SIZE = 500
STATUS_LABELS = dict(Status.choices)
OPEN = [str(status) for status in OPEN_STATUSES]
WAITING = (Status.QUEUED, Status.ACTIVE)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    statuses: tuple[str, ...]
    assigned: str | None


def tabs_for(user: User) -> list[Tab]:
    tabs = [
        Tab("mine", _("Míos"), tuple(OPEN), "me"),
        Tab("queue", _("En cola"), (Status.QUEUED,), "none"),
    ]
    if permissions.SEE_EVERY_OPEN.grants(user):
        tabs.append(Tab("all", _("Todos"), tuple(OPEN), None))
    tabs.append(Tab("closed", _("Cerradas"), (Status.CLOSED,), None))
    return tabs


def current_tab(request: HttpRequest) -> Tab:
    """The tab asked for; an unknown one (or "all" for an agent) is the role's default."""
    tabs = {tab.key: tab for tab in tabs_for(request.user)}
    wanted = request.GET.get("tab") or request.POST.get("tab") or ""
    if wanted in tabs:
        return tabs[wanted]
    return tabs.get("all", tabs["mine"])


def search_query(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


def label_filter(request: HttpRequest) -> int | None:
    """The label the list is filtered by (?label=<id>), or None."""
    return id_from_text((request.GET.get("label") or "").strip())


def sort_query(request: HttpRequest) -> str:
    """ "waiting" (longest waiting first) or "" (newest activity first, the default)."""
    return "waiting" if request.GET.get("sort") == "waiting" else ""


def span(minutes: int) -> str:
    """A span of time as the list shows it: "1 min", "45 min", "2 h 05 min", "3 d" (chat/list.js
    ticks the same labels on)."""
    if minutes < 60:
        return _("%(m)d min") % {"m": max(1, minutes)}
    if minutes < 24 * 60:
        return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d d") % {"d": minutes // (24 * 60)}


def waited(since: datetime.datetime, now: datetime.datetime) -> str:
    """How long someone has waited since `since`, in whole minutes."""
    return span(max(0, int((now - since).total_seconds()) // 60))


FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
DUE_SOON = datetime.timedelta(minutes=10)  # chat/list.js: DUE_SOON_MS


def _deadline(conversation) -> tuple[str, datetime.datetime | None]:
    """The target a row counts down to: the first response until an agent writes, then the
    resolution (ADR 0032); none for conversations with the bot or closed."""
    if conversation.status not in WAITING:
        return "", None
    if conversation.first_responded_at is None and conversation.first_response_due_at:
        return FIRST_RESPONSE, conversation.first_response_due_at
    if conversation.resolution_due_at:
        return RESOLUTION, conversation.resolution_due_at
    return "", None


def due_label(kind: str, due: datetime.datetime, now: datetime.datetime) -> tuple[str, str]:
    """("Responder en 12 min" / "Vence en 1 h 05 min" / "Vencida hace 5 min", its state:
    "overdue", "soon" or "")."""
    left = (due - now).total_seconds()
    if left <= 0:
        return _("Vencida hace %(span)s") % {"span": waited(due, now)}, "overdue"
    text = _("Responder en %(span)s") if kind == FIRST_RESPONSE else _("Vence en %(span)s")
    state = "soon" if left <= DUE_SOON.total_seconds() else ""
    return text % {"span": span(math.ceil(left / 60))}, state


# --- List rows -------------------------------------------------------------------------------


class Row(TypedDict):
    """One row of the list, every value its template shows worked out here. A plain dict of
    plain values: the template's lookups are one step each, with no URL reversal, date
    formatting or plural tag per row (500 rows: bench/chat_list.py, docs/performance.md)."""

    id: int
    status: str
    status_label: str
    waits_for: str  # while queued, why: "nadie disponible", "área fuera de horario"...
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
    href: str  # the conversation in this tab (at the matching message, after a search)
    labels: list[dict]  # {"name", "color"} of each label, by name
    match: str  # the line of a message a search found in it, "" otherwise
    waiting_since: str  # ISO 8601 while the customer waits for a person's answer, else ""
    waiting: str  # how long, "12 min" (chat/list.js ticks it on)
    due_kind: str  # the target counted down: "first_response", "resolution" or ""
    due_at: str  # its deadline, ISO 8601 (chat/list.js counts down to it), else ""
    due: str  # "Responder en 12 min", "Vence en 1 h 05 min", "Vencida hace 5 min"
    due_state: str  # "overdue", "soon" (10 minutes or less) or ""
    due_title: str  # the target and its deadline, long local date and time


class _When:
    """The list's time labels, each day formatted once however many rows share it."""

    def __init__(self) -> None:
        self.now = clock.now()
        self.today = timezone.localdate(self.now)
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


MESSAGE_TYPE_LABELS = dict(MessageType.choices)


def _type_label(message_type: str) -> str:
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
    return labels.get(message_type) or str(MESSAGE_TYPE_LABELS.get(message_type, message_type))


def _prefix(row, viewer: User) -> str:
    """Who wrote the last message of `row` (a `selectors.conversation_rows` tuple), if not the
    customer."""
    if row.last_message__direction != Direction.OUT:
        return ""
    if row.last_message__sender_type == SenderType.BOT:
        return _("Bot: ")
    if row.last_message__sender_type == SenderType.AGENT:
        if row.last_message__sender_user_id == viewer.pk:
            return _("Tú: ")
        if row.last_message__sender_user_id is not None:
            name = row.last_message__sender_user__name or row.last_message__sender_user__username
            return f"{name}: "
    return ""


def _preview(row, viewer: User) -> tuple[str, str]:
    """(the last message as the row previews it, who wrote it) of `row`."""
    if row.last_message_id is None:
        return "", ""
    message_type = row.last_message__type
    text = " ".join(whatsapp_text.to_plain(row.last_message__text).split())
    if message_type == MessageType.REACTION:
        preview = (
            _("Reaccionó con %(emoji)s") % {"emoji": text} if text else _("Quitó una reacción")
        )
    elif message_type in (MessageType.TEXT, MessageType.INTERACTIVE, MessageType.SYSTEM) and text:
        preview = text
    else:
        label = _type_label(message_type)
        preview = f"{label} {text}".strip() if text else label
    return preview, _prefix(row, viewer)


def _row(row, viewer: User, when: _When, href: str, labels: list, match: str) -> Row:
    """The Row of `row`, a `selectors.conversation_rows` tuple; `match`: the line of the message
    a search found in it."""
    preview, prefix = _preview(row, viewer)
    relative, activity, title = when(row.last_activity_at)
    name, unread, status = row.contact__name, row.unread_count, row.status
    assignee = row.assigned_to__name or row.assigned_to__username
    since = row.waiting_since if status in WAITING else None
    unread_label = ngettext("%(count)d mensaje sin leer", "%(count)d mensajes sin leer", unread)
    found_id = getattr(row, "found_id", None)
    return Row(
        id=row.id,
        status=status,
        status_label=str(STATUS_LABELS.get(status, status)),
        waits_for=reasons.queue_reason_text(row.queue_reason) if status == Status.QUEUED else "",
        unread=unread,
        unread_label=unread_label % {"count": unread},
        assigned=row.assigned_to_id or "",
        who=assignee if row.assigned_to_id not in (None, viewer.pk) else "",
        name=name,
        initial=name[:1].upper(),
        dni=row.contact__dni,
        area=row.area__name or "",
        when=relative,
        activity=activity,
        activity_title=title,
        prefix=prefix,
        preview=preview[:160],
        href=href.format(id=row.id) + (f"&m={found_id}" if found_id else ""),
        labels=labels,
        match=match,
        waiting_since=since.isoformat() if since else "",
        waiting=waited(since, when.now) if since else "",
        **_due_fields(row, when),
    )


def _due_fields(conversation, when: _When) -> dict:
    """The row's target: what it counts down to, its deadline, its label and state."""
    kind, due = _deadline(conversation)
    if due is None:
        return {"due_kind": "", "due_at": "", "due": "", "due_state": "", "due_title": ""}
    label, state = due_label(kind, due, when.now)
    _relative, moment, long_date = when(due)
    if kind == FIRST_RESPONSE:
        title = _("Meta de primera respuesta: %(deadline)s") % {"deadline": long_date}
    else:
        title = _("Meta de resolución: %(deadline)s") % {"deadline": long_date}
    return {
        "due_kind": kind,
        "due_at": moment,
        "due": label,
        "due_state": state,
        "due_title": title,
    }


def list_rows(rows, viewer: User, tab: Tab, q: str = "", *, any_labels: bool = True) -> list[Row]:
    """The rows of `rows` (`selectors.conversation_rows` tuples); with a search `q`, each shows
    the line of the newest message holding its words; `any_labels` False (no label defined)
    spares the labels' query."""
    rows = list(rows)
    words = search.terms(q) if q else []
    when = _When()
    href = reverse("chat", args=[0]).replace("/0/", "/{id}/") + f"?tab={tab.key}"
    tags = selectors.label_tags_of([row.id for row in rows] if any_labels else [])
    return [_row(row, viewer, when, href, tags.get(row.id, []), _match(row, words)) for row in rows]


def _match(row, words: list[str]) -> str:
    found = getattr(row, "found_id", None) is not None
    return search.snippet(row.found_text, words) if found else ""


def list_row(
    user: User,
    tab: Tab,
    q: str,
    conversation_id: int,
    label_id: int | None = None,
    sort: str = "",
) -> Row | None:
    """The row of one conversation as `tab`, the search `q`, the label filter and `sort` show
    it; None when not in them."""
    rows = selectors.conversation_rows(
        user=user,
        statuses=list(tab.statuses),
        assigned=tab.assigned,
        q=q,
        label_id=label_id,
        sort=sort,
    )
    row = rows.filter(pk=conversation_id).first()
    return None if row is None else list_rows([row], user, tab, q)[0]


def list_context(request: HttpRequest, tab: Tab, q: str) -> dict:
    label_id = label_filter(request)
    all_labels = list(selectors.label_list())
    sort = sort_query(request)
    try:
        page, next_cursor = keyset_page(
            selectors.conversation_rows(
                user=request.user,
                statuses=list(tab.statuses),
                assigned=tab.assigned,
                q=q,
                label_id=label_id,
                sort=sort,
            ),
            ordering=selectors.list_ordering(sort),
            page=PageQuery(LIST_SIZE, request.GET.get("cursor") or None),
        )
    except InvalidInput as error:
        raise Http404(_("Página inexistente.")) from error
    more_url = ""
    if next_cursor:
        query = {
            "tab": tab.key,
            "q": q,
            "label": label_id or "",
            "sort": sort,
            "cursor": next_cursor,
            "part": "items",
        }
        query = urlencode({key: value for key, value in query.items() if value})
        more_url = f"{reverse('chat_list')}?{query}"
    return {
        "tab": tab,
        "tabs": tabs_for(request.user),
        "q": q,
        "label_id": label_id,
        "all_labels": all_labels,
        "sort": sort,
        "rows": list_rows(page, request.user, tab, q, any_labels=bool(all_labels)),
        "more_url": more_url,
    }


def attention(user: User) -> list[dict]:
    """The open conversations that are the viewer's to answer: theirs, and those waiting
    unassigned in the queue. The chat scripts keep the tab badges and the page title from them."""
    return [
        {"id": pk, "status": status, "mine": assignee == user.pk, "unread": unread, "name": name}
        for pk, status, assignee, unread, name in selectors.attention_list(
            user=user, limit=ATTENTION_SIZE
        )
    ]
