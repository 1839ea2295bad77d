"""Routing: hand a conversation to the least-loaded eligible agent of an area, or queue it.

Atomic under concurrency: a routing locks the rows of the candidate agents (in id order, so two
routings never deadlock on each other) before it counts their loads, so concurrent routings into
overlapping sets of agents take turns and each sees the assignments the previous one committed.
SQLite needs no row locks: its IMMEDIATE transactions already let one writer in at a time.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, Availability, User
from ventanilla.accounts.permissions import TAKES_CONVERSATIONS
from ventanilla.accounts.services import user_set_availability
from ventanilla.conversations import notes, outbound, permissions, publishing
from ventanilla.conversations import services as conversations
from ventanilla.conversations.daycounts import area_changed
from ventanilla.conversations.models import Conversation, EventKind, SenderType, Status
from ventanilla.conversations.visibility import audience_of
from ventanilla.core import clock
from ventanilla.core.db import retry_transient
from ventanilla.core.errors import Conflict, InvalidInput, unknown_area_text
from ventanilla.core.fields import MAX_ID
from ventanilla.core.jobs import enqueue_named_after_commit
from ventanilla.integrations.models import WebhookEvent
from ventanilla.routing import reasons
from ventanilla.routing.reasons import Rule
from ventanilla.schedules import selectors as schedules

ROUTABLE_ROLES = TAKES_CONVERSATIONS
DRAIN_QUEUES = "routing.drain-queues"  # the job of `tasks` (that module imports this one)


class Outcome(StrEnum):
    ASSIGNED = "assigned"
    QUEUED = "queued"
    CLOSED_HOURS = "closed_hours"


# --- who may get a conversation ----------------------------------------------------------------


def _members(area_id: int) -> QuerySet[User]:
    """Who could take the area's conversations at some moment: active agents and supervisors."""
    return User.objects.filter(is_active=True, role__in=ROUTABLE_ROLES, areas=area_id)


def _eligible_rows(*, area_id: int, now: datetime) -> QuerySet[User]:
    """Eligible but for capacity, which needs the loads."""
    return _members(area_id).filter(availability=Availability.AVAILABLE, console_seen_until__gt=now)


def _loads(user_ids: list[int], *, leaving: int | None = None) -> dict[int, int]:
    """Open (active) conversations assigned to each user, every area counted; `leaving` is a
    conversation being routed, not counted against its current assignee."""
    rows = Conversation.objects.filter(status=Status.ACTIVE, assigned_to_id__in=user_ids)
    if leaving is not None:
        rows = rows.exclude(pk=leaving)
    counted = rows.values("assigned_to_id").annotate(load=Count("pk"))
    return {row["assigned_to_id"]: row["load"] for row in counted}


def _ranked(users: list[User], loads: dict[int, int]) -> list[User]:
    """Users under their capacity, each with `.load`, best pick first."""
    ranked = []
    for user in users:
        user.load = loads.get(user.pk, 0)
        cap = user.max_open_conversations
        if cap is None or user.load < cap:
            ranked.append(user)
    return sorted(ranked, key=reasons.pick_order)


def eligible_agents(*, area_id: int, now: datetime | None = None) -> list[User]:
    """Active agents and supervisors of the area, available with a live console and under their
    capacity, best pick first; each carries `.load` (its open conversations). Two queries."""
    now = now or clock.now()
    users = list(_eligible_rows(area_id=area_id, now=now).order_by("pk"))
    return _ranked(users, _loads([user.pk for user in users]))


def _pick_locked(*, area_id: int, now: datetime, leaving: int | None) -> tuple[User | None, dict]:
    """The agent to assign (None: nobody eligible) with the rows of the candidates locked until
    commit, and why (`reasons.explain`: candidates, the members left out, the deciding rule)."""
    members = list(_members(area_id).order_by("pk"))
    present = [m.pk for m in members if reasons.presence(m, now) == reasons.Presence.AVAILABLE]
    locked = []
    if present:
        # No join in the locking query: MariaDB cannot restrict FOR UPDATE to one table (`of=`).
        # On PostgreSQL, FOR NO KEY UPDATE: routings still take turns, but rows referencing the
        # user (an agent's message being sent) do not wait for us, nor we for them.
        no_key = connection.features.has_select_for_no_key_update
        locked = list(
            User.objects.select_for_update(no_key=no_key)
            .filter(
                pk__in=present,
                is_active=True,
                role__in=ROUTABLE_ROLES,
                availability=Availability.AVAILABLE,
                console_seen_until__gt=now,
            )
            .order_by("pk")
        )
    # counted after the locks are held: a routing that had them before us has committed
    loads = _loads([member.pk for member in members], leaving=leaving)
    ranked = _ranked(locked, loads)
    why = reasons.explain(ranked=ranked, members=members, loads=loads, now=now)
    return (ranked[0] if ranked else None), why


# --- writes ------------------------------------------------------------------------------------


def _lock_conversation(conversation_id: int) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation_id)


def _assign(
    *,
    conversation: Conversation,
    area: Area,
    user: User,
    why: dict,
    by: User | None,
    now: datetime,
) -> Conversation:
    original = audience_of(conversation)
    if conversation.area_id != area.pk:
        Conversation.objects.filter(pk=conversation.pk).update(area=area)
        area_changed(conversation)
    assigned = conversations.conversation_assign(
        conversation=conversation,
        user=user,
        by=by,
        area_id=area.pk,
        **why,
    )
    User.objects.filter(pk=user.pk).update(last_assigned_at=now)
    if original["area_id"] != area.pk:
        # those who saw it under its former area learn that it left their view
        publishing.publish_conversation("conversation:update", assigned, previous_audience=original)
    return assigned


def _queue(
    *, conversation: Conversation, area: Area, by: User | None, **why
) -> tuple[Conversation, bool]:
    """Queues the conversation in the area, `why` (a `reason` and its details) in the event; one
    already waiting there keeps its place (no new event). Returns it and whether it joined the
    queue now."""
    if conversation.status == Status.QUEUED and conversation.area_id == area.pk:
        return conversation, False
    queued = conversations.conversation_queue(conversation=conversation, area=area, by=by, **why)
    return queued, True


def _queue_ahead(*, area_id: int, conversation: Conversation) -> int:
    """How many conversations wait in the area before this one."""
    return (
        Conversation.objects.filter(status=Status.QUEUED, area_id=area_id)
        .exclude(pk=conversation.pk)
        .count()
    )


def _start_targets(*, conversation: Conversation, area: Area, now: datetime) -> None:
    """A conversation that comes to the area (from the bot or another area) takes the area's
    response-time targets, their deadlines counted in its working hours from now; one that
    moves within its area keeps its deadlines (ADR 0032)."""
    if conversation.area_id == area.pk and conversation.status != Status.BOT:
        return
    first_response, resolution = schedules.deadlines(
        area_id=area.pk,
        start=now,
        minutes=(area.first_response_target_minutes, area.resolution_target_minutes),
    )
    conversations.conversation_restart_targets(
        conversation=conversation,
        first_response_due_at=first_response,
        resolution_due_at=resolution,
    )


def _route_locked(*, conversation: Conversation, area: Area, by: User | None) -> Outcome:
    now = clock.now()
    _start_targets(conversation=conversation, area=area, now=now)
    if not schedules.area_is_open(area_id=area.pk, at=now):
        conversation, joined = _queue(
            conversation=conversation, area=area, by=by, reason=Rule.AFTER_HOURS.value
        )
        if joined and outbound.window_open(conversation, conversation.line):
            outbound.message_queue_outbound(
                conversation=conversation,
                sender_type=SenderType.BOT,
                text=schedules.courtesy_text(area_id=area.pk, at=now),
            )
        return Outcome.CLOSED_HOURS
    ahead = _queue_ahead(area_id=area.pk, conversation=conversation)
    if ahead:
        # customers already waiting here go first: join the line, then serve it in order
        conversation, _ = _queue(
            conversation=conversation,
            area=area,
            by=by,
            reason=Rule.BEHIND_QUEUE.value,
            ahead=ahead,
        )
        _drain_area(area=area, now=now)
        status = Conversation.objects.values_list("status", flat=True).get(pk=conversation.pk)
        return Outcome.ASSIGNED if status == Status.ACTIVE else Outcome.QUEUED
    user, why = _pick_locked(area_id=area.pk, now=now, leaving=conversation.pk)
    if user is None:
        _queue(conversation=conversation, area=area, by=by, **why)
        return Outcome.QUEUED
    _assign(conversation=conversation, area=area, user=user, why=why, by=by, now=now)
    return Outcome.ASSIGNED


def _open_conversation(conversation: Conversation) -> Conversation:
    locked = _lock_conversation(conversation.pk)
    if locked.status == Status.CLOSED:
        raise Conflict(_("La conversación está cerrada; reabrila antes."))
    return locked


@retry_transient()
def route_to_area(*, conversation: Conversation, area: Area, by: User | None = None) -> str:
    """Hands the conversation to the area: to its least-loaded eligible agent when the area is
    open ("assigned"), else into its queue ("queued": nobody eligible, or customers waiting
    ahead; "closed_hours": outside working hours, the courtesy text sent once)."""
    with transaction.atomic():
        locked = _open_conversation(conversation)
        return _route_locked(conversation=locked, area=area, by=by)


@retry_transient()
def transfer_to_area(*, conversation: Conversation, area: Area, by: User) -> str:
    """A person moves the conversation to an area; routing decides who gets it there."""
    if not area.is_active:
        raise InvalidInput.field("area_id", _("Esa área está desactivada."))
    with transaction.atomic():
        locked = _open_conversation(conversation)
        publishing.record_event(
            locked, EventKind.TRANSFERRED, actor=by, area_id=area.pk, user_id=None
        )
        conversations.unread_again(locked)
        outcome = _route_locked(conversation=locked, area=area, by=by)
        publishing.record_conversation_webhook(WebhookEvent.CONVERSATION_TRANSFERRED, locked.pk)
        return outcome


@dataclass(frozen=True)
class Transfer:
    outcome: str  # an Outcome
    target_name: str  # the area's or the person's, for the actor's notice


def transfer(
    *,
    conversation: Conversation,
    by: User,
    area_id: int | None = None,
    user_id: int | None = None,
    note: str = "",
) -> Transfer:
    """A person hands the conversation on, the one way the API and the console do it: to an
    area (routing picks who gets it there) or to a person (`conversations.permissions` says
    whom `by` may choose). It arrives unread, with `note` (a private note) on top for whoever
    gets it (ADR 0026)."""
    if (area_id is None) == (user_id is None):
        raise InvalidInput.field("area_id", _("Indicá un área o un usuario al que transferir."))
    with transaction.atomic():
        conversations.mark_unread_for_transfer(conversation)
        done = _transfer(conversation=conversation, by=by, area_id=area_id, user_id=user_id)
        if note.strip():
            notes.note_create(conversation=conversation, by=by, text=note, transfer=True)
    return done


def _transfer(*, conversation: Conversation, by: User, area_id, user_id) -> Transfer:
    if user_id is not None:
        permissions.TRANSFER_TO_PERSON.check(by)
        user = User.objects.filter(pk=user_id).first() if 0 < user_id <= MAX_ID else None
        if user is None:
            raise InvalidInput.field(
                "user_id", _("No existe el usuario con id %(id)s.") % {"id": user_id}
            )
        conversations.conversation_transfer(conversation=conversation, by=by, user=user)
        return Transfer(Outcome.ASSIGNED, user.display_name)
    area = Area.objects.filter(pk=area_id).first() if 0 < area_id <= MAX_ID else None
    if area is None:
        raise InvalidInput.field("area_id", unknown_area_text(area_id))
    return Transfer(transfer_to_area(conversation=conversation, area=area, by=by), area.name)


# --- queues ------------------------------------------------------------------------------------


def _oldest_waiting(area_id: int) -> Conversation | None:
    rows = Conversation.objects.filter(status=Status.QUEUED, area_id=area_id).order_by(
        "queued_at", "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        # another drain holds that one: take the next rather than wait
        return rows.select_for_update(skip_locked=True).first()
    return rows.select_for_update().first()


def _assign_next(*, area: Area, now: datetime) -> bool:
    """Assigns the area's longest-waiting conversation; False when none is left or nobody is
    eligible."""
    with transaction.atomic():
        conversation = _oldest_waiting(area.pk)
        if conversation is None:
            return False
        if conversation.status != Status.QUEUED or conversation.area_id != area.pk:
            return False  # changed under us; the next run looks again
        user, why = _pick_locked(area_id=area.pk, now=now, leaving=conversation.pk)
        if user is None:
            if conversation.queue_reason != why["reason"]:
                # still waiting, for a reason that may have changed (the area opened since)
                conversations.conversation_requeue_reason(
                    conversation=conversation, reason=why["reason"]
                )
            return False
        _assign(
            conversation=conversation,
            area=area,
            user=user,
            why={**why, "via": "queue"},
            by=None,
            now=now,
        )
        return True


def _drain_area(*, area: Area, now: datetime) -> int:
    assigned = 0
    while _assign_next(area=area, now=now):
        assigned += 1
    return assigned


_assign_next_retrying = retry_transient()(_assign_next)


def drain_queues(*, now: datetime | None = None, area_ids=None) -> int:
    """Assigns queued conversations of the areas open now, longest waiting first, while someone
    is eligible; `area_ids` limits it to those areas (e.g. the areas of an agent who just became
    available). Returns how many were assigned. Overlapping runs are harmless: each
    conversation is taken under its row lock and its status checked again."""
    now = now or clock.now()
    open_ids = schedules.areas_open_now(at=now)
    if area_ids is not None:
        open_ids &= set(area_ids)
    waiting = Conversation.objects.filter(status=Status.QUEUED, area_id__in=open_ids)
    area_pks = sorted(set(waiting.values_list("area_id", flat=True)))
    assigned = 0
    for area in Area.objects.filter(pk__in=area_pks).order_by("pk"):
        while _assign_next_retrying(area=area, now=now):
            assigned += 1
    return assigned


def agent_set_availability(*, user: User, availability: str) -> User:
    """Available or away; becoming available lets waiting conversations of their areas come."""
    user = user_set_availability(user=user, availability=availability)
    if user.availability == Availability.AVAILABLE:
        area_ids = list(user.areas.values_list("pk", flat=True))
        if area_ids:
            enqueue_named_after_commit(DRAIN_QUEUES, area_ids, what="draining queues")
    return user
