"""The one rule of who may see a conversation (docs/product.md#the-visibility-rule).

It serves the list, the detail, sending, closing and the socket: `visible_filter` for querysets and
`can_see` for a conversation's snapshot (`audience_of`), which is what live events carry.
Tests check that the two agree on every combination.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from ventanilla.accounts.models import AGENT_ROLES, Role
from ventanilla.conversations.models import Conversation


@dataclass(frozen=True)
class Viewer:
    id: int
    role: str
    area_ids: frozenset[int]

    @classmethod
    def of(cls, user) -> "Viewer":
        area_ids = getattr(user, "_viewer_area_ids", None)
        if area_ids is None:
            area_ids = frozenset(user.areas.values_list("pk", flat=True))
            user._viewer_area_ids = area_ids
        return cls(id=user.pk, role=user.role, area_ids=frozenset(area_ids))


def visible_filter(viewer: Viewer, *, statuses=None) -> Q:
    """`statuses`: when the caller keeps only conversations in these, the branch of the rule that
    cannot hold among them is left out (the same rows; a plan without a branch that reads
    nothing, e.g. an agent's closed conversations)."""
    if viewer.role == Role.ADMIN:
        return Q()
    if viewer.role == Role.SUPERVISOR:
        return Q(area_id__in=viewer.area_ids) | Q(area__isnull=True)
    if viewer.role in AGENT_ROLES:
        mine = Q(assigned_to_id=viewer.id)
        if statuses is not None and "queued" not in statuses:
            return mine
        waiting_in_my_areas = Q(
            assigned_to__isnull=True, status="queued", area_id__in=viewer.area_ids
        )
        return mine | waiting_in_my_areas
    return Q(pk__in=[])


def visible_areas_filter(viewer: Viewer, field: str = "area") -> Q | None:
    """`visible_filter` as a condition on an area alone (`field`, a conversation's area as it is
    now), for those who see whole areas: what the reports' counts stored by area are read with.
    None for anyone else, whose rule is not by area."""
    if viewer.role == Role.ADMIN:
        return Q()
    if viewer.role == Role.SUPERVISOR:
        return Q(**{f"{field}__in": viewer.area_ids}) | Q(**{f"{field}__isnull": True})
    return None


def sees_whole_areas(viewer: Viewer) -> bool:
    """Whether the viewer sees every conversation of an area (or of the desk), not only their
    own and their areas' queue."""
    return viewer.role in (Role.ADMIN, Role.SUPERVISOR)


def audience_of(conversation) -> dict:
    return {
        "conversation_id": conversation.pk,
        "status": conversation.status,
        "area_id": conversation.area_id,
        "assigned_to_id": conversation.assigned_to_id,
    }


def audiences_read(conversation_ids) -> dict[int, dict]:
    """`audience_of` each of these conversations as it is now, by id: one plain statement and no
    model, for the paths every reply and status takes (ADR 0034)."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return {}
    meta, quote = Conversation._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in AUDIENCE_FIELDS)
    marks = ", ".join(["%s"] * len(ids))
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} IN ({marks})"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return {row[0]: audience_of_row(row) for row in rows}


AUDIENCE_FIELDS = ("id", "status", "area", "assigned_to")


def audience_of_row(row) -> dict:
    """`audience_of` from the columns of AUDIENCE_FIELDS, in that order."""
    return {
        "conversation_id": row[0],
        "status": row[1],
        "area_id": row[2],
        "assigned_to_id": row[3],
    }


def can_see(viewer: Viewer, audience: dict) -> bool:
    """`audience`: a snapshot from `audience_of`, or {"all": True} for desk-wide news."""
    if audience.get("all"):
        return True
    if viewer.role == Role.ADMIN:
        return True
    area_id = audience.get("area_id")
    if viewer.role == Role.SUPERVISOR:
        return area_id is None or area_id in viewer.area_ids
    if viewer.role in AGENT_ROLES:
        if audience.get("assigned_to_id") == viewer.id:
            return True
        return (
            audience.get("assigned_to_id") is None
            and audience.get("status") == "queued"
            and area_id in viewer.area_ids
        )
    return False
