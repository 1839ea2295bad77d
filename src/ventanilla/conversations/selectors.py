"""Reads on conversations and messages, always through the visibility rule."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.contacts.selectors import contact_search_filter
from ventanilla.conversations import permissions, search
from ventanilla.conversations.models import (
    FOLLOW_UP_SINGLETON_ID,
    OPEN_STATUSES,
    Conversation,
    ConversationEvent,
    EventKind,
    FollowUpSetting,
    Label,
    Message,
    Note,
    Status,
)
from ventanilla.conversations.visibility import Viewer, sees_whole_areas, visible_filter
from ventanilla.core import clock
from ventanilla.core.db import InIds
from ventanilla.core.errors import InvalidInput, NotFound
from ventanilla.core.fields import id_from_text

STATUS_VALUES = set(Status.values)
# how a list may be sorted, and the keyset ordering of each (ending with the unique id)
ORDERINGS = {
    "activity": ("-last_activity_at", "-id"),  # newest activity first, the default
    "waiting": ("waiting_since", "id"),  # those waiting for a person, longest first
}
WAITING_STATUSES = (Status.QUEUED, Status.ACTIVE)
# a search lists at most this many conversations found by the contact, and as many found by the
# words of their messages: the newest in the list's order (more words narrow it)
SEARCH_CANDIDATES = 200
SEARCH_RECENT_DAYS = 7


def list_ordering(sort: str | None) -> tuple[str, ...]:
    """The keyset ordering of a list sorted by `sort` (None or "" is by activity)."""
    ordering = ORDERINGS.get(sort or "activity")
    if ordering is None:
        raise InvalidInput.field(
            "sort", _("Usá %(sorts)s.") % {"sorts": " o ".join(sorted(ORDERINGS))}
        )
    return ordering


def _base() -> QuerySet[Conversation]:
    return Conversation.objects.select_related(
        "contact", "area", "assigned_to", "last_message", "last_message__sender_user"
    )


def conversation_list(
    *,
    user: User,
    statuses: list[str] | None = None,
    area_id: int | None = None,
    assigned: str | None = None,
    q: str = "",
    label_id: int | None = None,
    sort: str | None = None,
) -> QuerySet[Conversation]:
    """Unordered: `list_ordering(sort)` orders it. Sorted by "waiting", only the conversations
    whose customer waits for a person (docs/chat.md#who-is-waiting)."""
    if statuses:
        unknown = sorted(set(statuses) - STATUS_VALUES)
        if unknown:
            raise InvalidInput.field(
                "status", _("Estado desconocido: %(statuses)s.") % {"statuses": ", ".join(unknown)}
            )
    rule = visible_filter(Viewer.of(user), statuses=statuses or None)
    conversations = _base().filter(rule)
    if label_id is not None:
        conversations = conversations.filter(labels=label_id)
    if list_ordering(sort) == ORDERINGS["waiting"]:
        conversations = conversations.filter(
            waiting_since__isnull=False, status__in=WAITING_STATUSES
        )
    if statuses:
        conversations = conversations.filter(status__in=statuses)
    if area_id is not None:
        conversations = conversations.filter(area_id=area_id)
    if assigned == "me":
        conversations = conversations.filter(assigned_to_id=user.pk)
    elif assigned == "none":
        conversations = conversations.filter(assigned_to__isnull=True)
    elif assigned:
        user_id = id_from_text(assigned)
        if user_id is None:
            raise InvalidInput.field("assigned", _("Usá me, none o el id de un usuario."))
        conversations = conversations.filter(assigned_to_id=user_id)
    if q.strip():
        recent_first = _holds_most_of_the_desk(user, statuses, assigned)
        ids = _search_candidates(conversations, q, list_ordering(sort), recent_first=recent_first)
        conversations = conversations.filter(InIds(F("pk"), ids))
    return conversations


def _holds_most_of_the_desk(user: User, statuses, assigned) -> bool:
    """Whether a list may hold most of the desk's conversations: not one person's (an agent's
    list, or one assignee's), not only the open ones (a small part of any desk: they close)."""
    if assigned or not sees_whole_areas(Viewer.of(user)):
        return False
    return not statuses or not set(statuses) <= set(OPEN_STATUSES)


def _search_candidates(
    conversations, q: str, ordering: tuple[str, ...], *, recent_first: bool
) -> list[int]:
    """The first SEARCH_CANDIDATES of `conversations` in `ordering` found by the contact (name,
    phone or DNI, as the Contacts screen searches), and as many found by the words of a message:
    each a query the database can stop at the bound. With `recent_first`, by activity, the
    conversations active in the last SEARCH_RECENT_DAYS first, and the rest only when those are
    too few: for a list that holds most of the desk, where rare words would otherwise be looked
    for in every conversation (docs/adr/0035-search-and-reports-at-scale.md); a smaller list is
    searched whole at once, which costs what the last week alone does
    (docs/adr/0038-message-search-third-round.md)."""
    ordered = conversations.order_by(*ordering).values_list("pk", flat=True)
    ids = list(ordered.filter(contact_search_filter(q, prefix="contact__"))[:SEARCH_CANDIDATES])
    words = search.terms(q)
    if not words:
        return ids
    found = []
    if recent_first and ordering == ORDERINGS["activity"]:
        since = clock.now() - timedelta(days=SEARCH_RECENT_DAYS)
        recent = ordered.filter(last_activity_at__gte=since)
        found = list(recent.filter(search.has_match(words, active_since=since))[:SEARCH_CANDIDATES])
    if len(found) < SEARCH_CANDIDATES:
        found = list(ordered.filter(search.has_match(words))[:SEARCH_CANDIDATES])
    return ids + found


def _newest_matching(words: list[str]) -> QuerySet[Message]:
    """The messages of the outer conversation holding `words`, newest first: read through the
    (conversation, -id) index until one matches, whatever plan a prepared statement settles on
    (the full-text index would read every match of a common word)."""
    messages = Message.objects.filter(conversation_id=OuterRef("pk"))
    return search.messages_matching(messages, words).order_by("-id")


def search_matches(*, conversation_ids: list[int], q: str) -> dict[int, Message]:
    """The newest message of each of `conversation_ids` holding the words of `q` (the line a
    search shows under a row), by conversation id; one query. Only ids of conversations the
    caller already read through the visibility rule."""
    words = search.terms(q)
    if not words or not conversation_ids:
        return {}
    newest = Conversation.objects.filter(pk__in=conversation_ids).annotate(
        found=Subquery(_newest_matching(words).values("id")[:1])
    )
    messages = Message.objects.filter(pk__in=newest.values("found")).only(
        "id", "conversation_id", "text", "created_at"
    )
    found = {message.conversation_id: message for message in messages}
    for message in found.values():
        message.snippet = search.snippet(message.text, words)
    return found


# what a row of the console's list shows, read as values: as model instances, a row was up to
# six (the conversation, its contact, area, assignee, last message and that message's sender)
ROW_FIELDS = (
    "id",
    "status",
    "queue_reason",
    "unread_count",
    "last_activity_at",
    "waiting_since",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "contact__name",
    "contact__dni",
    "area__name",
    "assigned_to_id",
    "assigned_to__name",
    "assigned_to__username",
    "last_message_id",
    "last_message__direction",
    "last_message__sender_type",
    "last_message__sender_user_id",
    "last_message__type",
    "last_message__text",
    "last_message__sender_user__name",
    "last_message__sender_user__username",
)


def conversation_rows(
    *,
    user: User,
    statuses: list[str],
    assigned: str | None,
    q: str = "",
    label_id=None,
    sort: str | None = None,
) -> QuerySet:
    """`conversation_list` as named tuples of ROW_FIELDS and, after a search, `found_id` and
    `found_text`: the newest message holding its words (the line shown under the row; None
    when only the contact matched), read by the same statement."""
    rows = conversation_list(
        user=user, statuses=statuses, assigned=assigned, q=q, label_id=label_id, sort=sort
    )
    words = search.terms(q)
    if not words:
        return rows.values_list(*ROW_FIELDS, named=True)
    newest = _newest_matching(words)
    rows = rows.annotate(
        found_id=Subquery(newest.values("id")[:1]), found_text=Subquery(newest.values("text")[:1])
    )
    return rows.values_list(*ROW_FIELDS, "found_id", "found_text", named=True)


def attention_list(*, user: User, limit: int) -> list[tuple]:
    """(id, status, assignee id, unread count, contact name) of the open conversations that are
    `user`'s to answer, newest activity first: theirs, and those waiting unassigned in a queue."""
    rows = (
        conversation_list(user=user, statuses=list(OPEN_STATUSES))
        .filter(Q(assigned_to_id=user.pk) | Q(status=Status.QUEUED, assigned_to__isnull=True))
        .order_by("-last_activity_at", "-id")
        .values_list("pk", "status", "assigned_to_id", "unread_count", "contact__name")
    )
    return list(rows[:limit])


CONTACT_CONVERSATIONS_SHOWN = 20


def contact_conversation_list(*, user: User, contact_id: int) -> QuerySet[Conversation]:
    """The contact's conversations that `user` may see, unordered."""
    return conversation_list(user=user).filter(contact_id=contact_id)


def contact_conversations_latest(*, user: User, contact_id: int) -> list[Conversation]:
    """The contact's latest conversations that `user` may see, newest first."""
    rows = contact_conversation_list(user=user, contact_id=contact_id)
    return list(rows.order_by("-created_at", "-id")[:CONTACT_CONVERSATIONS_SHOWN])


def conversation_get(*, user: User, conversation_id: int) -> Conversation:
    """The conversation if `user` may see it; 404 otherwise (its existence is not revealed)."""
    conversations = _base().filter(visible_filter(Viewer.of(user)))
    conversation = conversations.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("Conversación inexistente."))
    return conversation


def contact_history(*, user: User, conversation: Conversation) -> QuerySet[Conversation]:
    """`conversation` and the contact's earlier conversations that `user` may see, unordered:
    what the chat pane shows. The list's rule applies to each; being the same contact is no
    reason to see a conversation."""
    return Conversation.objects.filter(
        visible_filter(Viewer.of(user)),
        contact_id=conversation.contact_id,
        pk__lte=conversation.pk,
    )


def timeline_messages(*, user: User, conversation: Conversation) -> QuerySet[Message]:
    """The messages of `conversation` and of the contact's earlier ones `user` may see."""
    history = contact_history(user=user, conversation=conversation)
    return Message.objects.filter(conversation__in=history).select_related(
        "sender_user", "conversation"
    )


def timeline_events(
    *, user: User, conversation: Conversation, kinds
) -> QuerySet[ConversationEvent]:
    """The events of `kinds` of `conversation` and of the contact's earlier ones `user` may
    see, oldest first."""
    history = contact_history(user=user, conversation=conversation)
    return (
        ConversationEvent.objects.filter(conversation__in=history, kind__in=kinds)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def event_list(*, conversation: Conversation) -> QuerySet[ConversationEvent]:
    """Every event of `conversation` (its audit trail), with the actor."""
    return ConversationEvent.objects.filter(conversation=conversation).select_related("actor")


def transfer_candidates(*, by: User, conversation: Conversation, limit: int) -> list[User]:
    """Whom `by` may hand the conversation to (`permissions.transfer_targets`), by name, each
    with `open_count`: the conversations they have open (active) now. One query."""
    people = permissions.transfer_targets(by=by, conversation=conversation)
    open_count = (
        Conversation.objects.filter(assigned_to=OuterRef("pk"), status=Status.ACTIVE)
        .order_by()
        .values("assigned_to")
        .annotate(count=Count("pk"))
        .values("count")
    )
    people = people.annotate(open_count=Coalesce(Subquery(open_count), 0))
    return list(people.order_by("name", "username", "pk")[:limit])


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("sender_user")


def message_get_visible(*, user: User, message_id: int) -> Message:
    """A message of a conversation `user` may see; 404 otherwise (its existence is not revealed)."""
    visible = Conversation.objects.filter(visible_filter(Viewer.of(user)))
    message = Message.objects.filter(pk=message_id, conversation__in=visible).first()
    if message is None:
        raise NotFound(_("Mensaje inexistente."))
    return message


def conversation_after_action(*, conversation_id: int) -> Conversation:
    """The state right after an action its actor was allowed to take (they may no longer see it)."""
    return _base().get(pk=conversation_id)


# --- labels and notes --------------------------------------------------------------------------


def label_list() -> QuerySet[Label]:
    return Label.objects.order_by("name_key", "pk")


def label_get(*, label_id: int) -> Label:
    label = Label.objects.filter(pk=label_id).first()
    if label is None:
        raise NotFound(_("Etiqueta inexistente."))
    return label


def label_tags_of(conversation_ids: list[int]) -> dict[int, list[dict]]:
    """{conversation id: {"name", "color"} of each of its labels, by name} for a page of
    conversations (each id a key), in one query: what a row of the console's list shows."""
    tags: dict[int, list[dict]] = {pk: [] for pk in conversation_ids}
    if not conversation_ids:
        return tags
    through = Conversation.labels.through.objects.filter(conversation_id__in=conversation_ids)
    rows = through.order_by("label__name_key", "label_id")
    for pk, name, color in rows.values_list("conversation_id", "label__name", "label__color"):
        tags[pk].append({"name": name, "color": color})
    return tags


def labels_of(conversation_ids) -> dict[int, list[Label]]:
    """{conversation id: its labels by name} for a page of conversations, in one query."""
    ids = list(conversation_ids)
    labelled: dict[int, list[Label]] = {pk: [] for pk in ids}
    if not ids:
        return labelled
    through = Conversation.labels.through.objects.filter(conversation_id__in=ids)
    for row in through.select_related("label").order_by("label__name_key", "label_id"):
        labelled[row.conversation_id].append(row.label)
    return labelled


def timeline_notes(*, user: User, conversation: Conversation) -> QuerySet[Note]:
    """The private notes of `conversation` and of the contact's earlier ones `user` may see."""
    history = contact_history(user=user, conversation=conversation)
    return Note.objects.filter(conversation__in=history).select_related("author")


def note_list(*, conversation: Conversation) -> QuerySet[Note]:
    """The notes of one conversation (its viewer asked the visibility rule), newest first."""
    notes = Note.objects.filter(conversation=conversation).select_related("author")
    return notes.order_by("-created_at", "-id")


def pinned_transfer_note(*, conversation: Conversation) -> Note | None:
    """The note of the conversation's latest transfer, shown above its thread until it moves on
    again (closed, or transferred once more without a note)."""
    if conversation.status == Status.CLOSED:
        return None
    note = (
        Note.objects.filter(conversation=conversation, transfer=True)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    if note is None:
        return None
    later = ConversationEvent.objects.filter(
        conversation=conversation, kind=EventKind.TRANSFERRED, created_at__gt=note.created_at
    )
    return None if later.exists() else note


@dataclass(frozen=True)
class FollowUp:
    reopen_hours: int  # 0: only supervisors and admins reopen
    saved: bool  # False: REOPEN_WINDOW_HOURS applies
    updated_at: datetime | None
    updated_by: User | None


def follow_up_default_hours() -> int:
    return max(0, int(settings.REOPEN_WINDOW_HOURS))


def follow_up_get() -> FollowUp:
    """One query, read on every reopen (docs/adr/0013-desk-settings.md: never cached)."""
    row = FollowUpSetting.objects.select_related("updated_by").filter(pk=FOLLOW_UP_SINGLETON_ID)
    row = row.first()
    hours = row.reopen_hours if row is not None else None
    return FollowUp(
        reopen_hours=hours if hours is not None else follow_up_default_hours(),
        saved=hours is not None,
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )


def contact_latest_conversation(*, contact_id: int) -> Conversation | None:
    """The contact's newest conversation on any line, whoever may see it (a follow-up from the
    contact's card checks its own rule: `permissions.check_follow_up`)."""
    return _base().filter(contact_id=contact_id).order_by("-created_at", "-id").first()
