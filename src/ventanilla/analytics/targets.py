"""Response-time targets met and missed in a period (docs/analytics.md#response-time-targets,
docs/adr/0032-response-time-targets.md): the report's per-agent, per-area and desk figures."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, F, Q

from ventanilla.conversations.models import Status
from ventanilla.core import clock


def _target_outcomes(start: datetime, end: datetime) -> dict[str, Q]:
    """Conversations whose target was decided in the period, met or missed. A target is decided
    at the earlier of its deadline and what it waits for (the first agent message, the close):
    met when that came by the deadline, missed when the deadline passed first. A deadline still
    ahead decides nothing yet."""
    end = min(end, clock.now())
    responded_by_due = Q(first_responded_at__lte=F("first_response_due_at"))
    closed_by_due = Q(status=Status.CLOSED, closed_at__lte=F("resolution_due_at"))
    return {
        "first_response_met": responded_by_due
        & Q(first_responded_at__gte=start, first_responded_at__lt=end),
        "first_response_missed": Q(first_response_due_at__gte=start, first_response_due_at__lt=end)
        & (
            Q(first_responded_at__isnull=True)
            | Q(first_responded_at__gt=F("first_response_due_at"))
        ),
        "resolution_met": closed_by_due & Q(closed_at__gte=start, closed_at__lt=end),
        "resolution_missed": Q(resolution_due_at__gte=start, resolution_due_at__lt=end)
        & (Q(closed_at__isnull=True) | Q(closed_at__gt=F("resolution_due_at"))),
    }


OUTCOMES = ("first_response_met", "first_response_missed", "resolution_met", "resolution_missed")


def target_counts(visible, start: datetime, end: datetime) -> list[dict]:
    """Met and missed of each target, per area and assignee: one query of a few dozen rows,
    summed per agent, per area and over the desk by `targets_met_by` and `targets_met`."""
    outcomes = _target_outcomes(start, end)
    decided = Q()
    for outcome in outcomes.values():
        decided |= outcome
    counts = {key: Count("pk", filter=outcome) for key, outcome in outcomes.items()}
    grouped = visible.filter(decided).values("area_id", "assigned_to_id").annotate(**counts)
    return list(grouped.order_by())


def _summed(rows: list[dict]) -> dict:
    return {outcome: sum(row[outcome] for row in rows) for outcome in OUTCOMES}


def _shares(row: dict | None) -> dict:
    """{"first_response_target": {"met", "missed", "share"}, "resolution_target": {...}}; the
    share of met (4 decimals), null when nothing was decided."""
    shares = {}
    for target in ("first_response", "resolution"):
        met = (row or {}).get(f"{target}_met") or 0
        missed = (row or {}).get(f"{target}_missed") or 0
        decided = met + missed
        shares[f"{target}_target"] = {
            "met": met,
            "missed": missed,
            "share": round(met / decided, 4) if decided else None,
        }
    return shares


def targets_met_by(targets: list[dict], group: str, ids: set) -> dict:
    """{id: shares} of each of `ids` by `group` ("area_id", or "assigned_to_id": the
    conversation's current assignee) from `target_counts`; zeros for those with nothing
    decided."""
    by_group = defaultdict(list)
    for row in targets:
        by_group[row[group]].append(row)
    return {key: _shares(_summed(by_group.get(key, []))) for key in ids}


def targets_met(targets: list[dict]) -> dict:
    """The shares over every conversation of the viewer's scope, from `target_counts`."""
    shares = _shares(_summed(targets))
    return {
        "first_response": shares["first_response_target"],
        "resolution": shares["resolution_target"],
    }
