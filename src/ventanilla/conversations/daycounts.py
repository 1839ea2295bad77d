"""The reports' counts of completed days, stored per area (`ReportDay`, `ReportDayCount`;
docs/adr/0041-reports-under-300-ms.md): which days are complete, and what makes a stored day
stale.

A day's messages and the conversations opened on it never change once the day is over (both are
stamped with the time they are written, and neither is deleted), except by whose they count as:
the counts are by the conversation's area as it is *now*, the area the visibility rule reads. So
whatever changes a conversation's area calls `area_changed` in the same transaction, which marks
stale every stored day the conversation may have counted on.

The marks are upserts on the days' unique rows, and the reports fill a day by upserting the same
row first: a report that is counting a day holds its row until it commits, so a change of area
that commits meanwhile waits for it and marks the day stale after it; a change committed before
is in what the report counts (analytics.rollups).
"""

from datetime import date, datetime, timedelta

from django.db import connection

from ventanilla.conversations.models import Conversation, ReportDay
from ventanilla.core import clock

# A message stamped just before midnight is committed a moment later: a day counts as complete
# (and may be stored) only this long after it ends.
SETTLE = timedelta(minutes=5)


def settled_until(now: datetime | None = None) -> datetime:
    """The end of the last complete local day: days ending by then may be stored."""
    moment = (now or clock.now()) - SETTLE
    return clock.local_midnight(clock.local_date(moment))


def upsert_days(days: list[date], *, stale: bool) -> None:
    """One statement: the rows of `days` (ascending, so that two of these lock rows in the same
    order), created or set to `stale`."""
    rows = [
        ReportDay(
            start=clock.local_midnight(day),
            end=clock.local_midnight(day + timedelta(days=1)),
            stale=stale,
        )
        for day in sorted(days)
    ]
    with_target = connection.features.supports_update_conflicts_with_target
    ReportDay.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["start", "end"] if with_target else None,
        update_fields=["stale"],
    )


def area_changed(conversation: Conversation) -> None:
    """`conversation` (read under its lock) changed area in this transaction: the complete days
    from its creation to its last activity are stale. Nothing for a conversation created since
    the last complete day, which every conversation routed as it arrives is: no statement."""
    settled = settled_until()
    if conversation.created_at >= settled:
        return
    first = clock.local_date(conversation.created_at)
    last = min(conversation.last_activity_at, settled - timedelta(microseconds=1))
    last_day = clock.local_date(last)
    upsert_days([first + timedelta(days=n) for n in range((last_day - first).days + 1)], stale=True)
