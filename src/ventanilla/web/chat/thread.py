"""The open conversation's thread: message bubbles and centred notes, oldest first."""

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.accounts.selectors import area_names, display_names
from ventanilla.conversations import selectors
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    REACTION_SIDES,
    Conversation,
    ConversationEvent,
    Direction,
    EventKind,
    Message,
    MessageType,
    Note,
    SenderType,
)
from ventanilla.conversations.permissions import SEE_AUDIT
from ventanilla.core import clock
from ventanilla.core.errors import InvalidInput
from ventanilla.core.pagination import MAX_LIMIT, PageQuery, keyset_page
from ventanilla.routing import reasons
from ventanilla.surveys.selectors import answered_surveys
from ventanilla.web.days import day_label

THREAD_SIZE = 50
ANCHOR_CONTEXT = 5  # messages shown before the one a search opens the thread at
AFTER_SIZE = 100
NOTE_KINDS = (
    EventKind.ASSIGNED,
    EventKind.QUEUED,
    EventKind.TRANSFERRED,
    EventKind.CLOSED,
    EventKind.REOPENED,
)


@dataclass
class Entry:
    """One line of the thread: a message bubble, or a centred note (assignment, close...)."""

    kind: str  # "message", "note" (what happened: assigned, closed...) or "private" (a person's)
    dom_id: str
    at: datetime.datetime
    conversation_id: int
    day: str  # ISO date, for the day chip
    day_label: str
    side: str  # "in", "out", "note" or "private"
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
    reactions: tuple[tuple[str, str, str], ...] = ()  # (side, emoji, whose): customer first
    quoted: Message | None = None  # the message this one answers, when the thread has it
    quoted_author: str = ""
    may_react: bool = False  # a customer's message: the desk may react to it
    may_quote: bool = False  # it reached WhatsApp: an answer may quote it
    problem: str = ""  # why a reaction to it was refused
    private: Note | None = None  # a private note (kind "private")

    @property
    def day_date(self) -> str:
        """The day in full, for the chat scripts to relabel the chips when "Hoy" becomes "Ayer"."""
        return date_format(datetime.date.fromisoformat(self.day), "DATE_FORMAT")


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


def _reactions(message: Message) -> tuple[tuple[str, str, str], ...]:
    reactions = message.reactions if isinstance(message.reactions, dict) else {}
    whose = {"contact": _("Cliente"), "desk": _("Nosotros")}
    return tuple(
        (side, str(reactions[side]), str(whose[side]))
        for side in REACTION_SIDES
        if reactions.get(side)
    )


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
        day_label=day_label(date, today),
        side=message.direction,
        message=message,
        author=author,
        menu=_menu(message.payload) if message.direction == Direction.OUT else (),
        map_url=map_url,
        place=place,
        reactions=_reactions(message),
        may_react=message.direction == Direction.IN and bool(message.provider_id),
        may_quote=bool(message.provider_id),
    )


def _quote(entries: list[Entry], timeline) -> list[Entry]:
    """The quoted messages of `entries` that the viewer may see (`timeline`): one query, only
    when a message of them answers another."""
    wanted = {e.message.reply_to_provider_id for e in entries if e.message is not None} - {""}
    if not wanted:
        return entries
    quoted = {
        (message.line_id, message.provider_id): message
        for message in timeline.filter(provider_id__in=wanted).select_related(
            "conversation__contact"
        )
    }
    for entry in entries:
        message = entry.message
        if message is not None and message.reply_to_provider_id:
            entry.quoted = quoted.get((message.line_id, message.reply_to_provider_id))
            if entry.quoted is not None:
                entry.quoted_author = _quoted_author(entry.quoted)
    return entries


def _quoted_author(message: Message) -> str:
    if message.direction == Direction.IN:
        return message.conversation.contact.name or _("Cliente")
    if message.sender_type == SenderType.BOT:
        return _("Bot")
    return message.sender_user.display_name if message.sender_user else _("Nosotros")


def _note_text(event: ConversationEvent, users: dict, areas: dict, explain: bool) -> str:
    actor = event.actor.display_name if event.actor is not None else ""
    data = event.data if isinstance(event.data, dict) else {}
    user = users.get(data.get("user_id"), "")
    area = areas.get(data.get("area_id"), "")
    routed = reasons.explanation(event.kind, data, user=user, area=area) if explain else ""
    if routed:
        return routed
    if event.kind == EventKind.ASSIGNED:
        if actor and actor != user:
            return _("%(actor)s asignó la conversación a %(user)s") % {"actor": actor, "user": user}
        return _("Conversación asignada a %(user)s") % {"user": user}
    if event.kind == EventKind.QUEUED:
        why = reasons.queue_reason_text(str(data.get("reason") or ""))
        if why:
            return _("En cola en %(area)s: %(why)s") % {"area": area, "why": why}
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


def _note_entries(
    events: list[ConversationEvent], today: datetime.date, explain: bool = False
) -> list[Entry]:
    """Notes for `events`: two more queries at most (the users and areas they name); `explain`:
    with routing's reasons."""
    echoes = _echoes(events)
    events = [event for event in events if event.pk not in echoes]
    user_ids = {e.data.get("user_id") for e in events if isinstance(e.data, dict)} - {None}
    area_ids = {e.data.get("area_id") for e in events if isinstance(e.data, dict)} - {None}
    users, areas = display_names(user_ids), area_names(area_ids)
    return [
        _centred(
            "note", f"e-{event.pk}", event, today, note=_note_text(event, users, areas, explain)
        )
        for event in events
    ]


def _centred(side: str, dom_id: str, row, today: datetime.date, **fields) -> Entry:
    """A centred line of the thread for `row` (an event's note, or a private note)."""
    date = timezone.localdate(row.created_at)
    return Entry(
        kind=side,
        dom_id=dom_id,
        at=row.created_at,
        conversation_id=row.conversation_id,
        day=date.isoformat(),
        day_label=day_label(date, today),
        side=side,
        **fields,
    )


def _private_entries(notes: list[Note], today: datetime.date) -> list[Entry]:
    return [
        _centred("private", f"n-{n.pk}", n, today, author=n.author.display_name, private=n)
        for n in notes
    ]


SURVEY_COMMENT_SHOWN = 300  # characters of a survey's comment in its line; the message has all


def _survey_entries(conversation_ids, today: datetime.date, **when) -> list[Entry]:
    """A centred line per answered survey of these conversations ("Encuesta: 4/5 · «…»"), at
    its rating; `when`: `answered_surveys`' bounds."""
    entries = []
    for survey in answered_surveys(conversation_ids=conversation_ids, **when):
        note = _("Encuesta: %(rating)d/5") % {"rating": survey.rating}
        if survey.comment:
            comment = survey.comment
            if len(comment) > SURVEY_COMMENT_SHOWN:
                comment = comment[: SURVEY_COMMENT_SHOWN - 1] + "…"
            note = f"{note} · «{comment}»"
        date = timezone.localdate(survey.rated_at)
        entries.append(
            Entry(
                kind="note",
                dom_id=f"s-{survey.pk}",
                at=survey.rated_at,
                conversation_id=survey.conversation_id,
                day=date.isoformat(),
                day_label=day_label(date, today),
                side="note",
                note=note,
            )
        )
    return entries


def _arrange(entries: list[Entry], conversation: Conversation) -> list[Entry]:
    """Oldest first; day chips, conversation separators and bubble tails as the page shows them.
    The chat scripts apply the same rule again where pages and live bubbles meet."""
    entries.sort(key=lambda entry: (entry.at, entry.kind != "message", int(entry.dom_id[2:])))
    acting = conversation.status in OPEN_STATUSES  # answers and reactions go on the open one
    previous = None
    for entry in entries:
        here = acting and entry.conversation_id == conversation.pk
        entry.may_quote, entry.may_react = here and entry.may_quote, here and entry.may_react
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


def _size_to_reach(timeline, anchor: int | None) -> int:
    """A first page long enough to hold message `anchor` (a search's match) and a few before
    it, up to MAX_LIMIT; THREAD_SIZE without one. Older still: chat/thread.js loads on."""
    if not anchor:
        return THREAD_SIZE
    newer = timeline.filter(id__gte=anchor).count()
    return min(max(THREAD_SIZE, newer + ANCHOR_CONTEXT), MAX_LIMIT)


def thread_page(
    conversation: Conversation, user: User, cursor: str | None, until, anchor: int | None = None
) -> tuple[list[Entry], str]:
    """One page of the thread (newest messages first, shown oldest first), with the notes that
    fall in it; and the URL of the older page ("" when this is the oldest). A first page opened
    at message `anchor` reaches back to it."""
    timeline = _bubbles(user, conversation)
    try:
        page, next_cursor = keyset_page(
            timeline,
            ordering=("-id",),
            page=PageQuery(
                _size_to_reach(timeline, anchor) if cursor is None else THREAD_SIZE, cursor
            ),
        )
    except InvalidInput as error:
        raise Http404(_("Página inexistente.")) from error
    today = timezone.localdate(clock.now())
    entries = _quote(
        [_message_entry(message, today) for message in page], _bubbles(user, conversation)
    )
    events = selectors.timeline_events(user=user, conversation=conversation, kinds=NOTE_KINDS)
    if next_cursor and page:
        events = events.filter(created_at__gte=page[-1].created_at)
    if until is not None:
        events = events.filter(created_at__lt=until)
    entries += _note_entries(list(events[:200]), today, SEE_AUDIT.grants(user))
    notes = selectors.timeline_notes(user=user, conversation=conversation)
    if next_cursor and page:
        notes = notes.filter(created_at__gte=page[-1].created_at)
    if until is not None:
        notes = notes.filter(created_at__lt=until)
    entries += _private_entries(list(notes.order_by("-created_at", "-id")[:200]), today)
    shown = {conversation.pk, *(message.conversation_id for message in page)}
    since = page[-1].created_at if next_cursor and page else None
    entries += _survey_entries(shown, today, rated_from=since, rated_before=until)
    older_url = ""
    if next_cursor and page:
        query = urlencode({"cursor": next_cursor, "until": page[-1].created_at.isoformat()})
        older_url = f"{reverse('chat_older', args=[conversation.pk])}?{query}"
    return _arrange(entries, conversation), older_url


def thread_after(conversation: Conversation, user: User, after: int) -> list[Entry]:
    """What happened since message `after`: new bubbles and notes, oldest first."""
    timeline = _bubbles(user, conversation)
    rows = list(timeline.filter(id__gte=after).order_by("id")[:AFTER_SIZE])
    anchor = rows[0] if rows and rows[0].pk == after else None
    today = timezone.localdate(clock.now())
    entries = [_message_entry(message, today) for message in rows if message.pk != after]
    entries = _quote(entries, timeline)
    events = selectors.timeline_events(user=user, conversation=conversation, kinds=NOTE_KINDS)
    if anchor is not None:
        events = events.filter(created_at__gte=anchor.created_at)
    entries += _note_entries(
        list(events.order_by("-created_at", "-id")[:AFTER_SIZE]), today, SEE_AUDIT.grants(user)
    )
    notes = selectors.timeline_notes(user=user, conversation=conversation)
    if anchor is not None:
        notes = notes.filter(created_at__gte=anchor.created_at)
    entries += _private_entries(list(notes.order_by("-created_at", "-id")[:AFTER_SIZE]), today)
    shown = {conversation.pk, *(message.conversation_id for message in rows)}
    since = anchor.created_at if anchor is not None else None
    entries += _survey_entries(shown, today, changed_since=since)
    return _arrange(entries, conversation)


def thread_message(conversation: Conversation, user: User, message_id: int) -> list[Entry]:
    """The one bubble of message `message_id`, or nothing when `user` may not see it."""
    timeline = _bubbles(user, conversation)
    message = timeline.filter(pk=message_id).first()
    if message is None:
        return []
    entries = _quote([_message_entry(message, timezone.localdate(clock.now()))], timeline)
    return _arrange(entries, conversation)


def _bubbles(user: User, conversation: Conversation):
    """The messages the thread shows as bubbles: all but reactions, which it shows on the
    bubbles they react to."""
    return selectors.timeline_messages(user=user, conversation=conversation).exclude(
        type=MessageType.REACTION
    )
