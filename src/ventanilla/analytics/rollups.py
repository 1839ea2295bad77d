"""A report's complete days counted from the counts stored per area (conversations.daycounts,
docs/adr/0041-reports-under-300-ms.md), stored the first time a report needs them.

The per-day figures that never change once a day is over are the conversations opened and the
messages in and out (the conversations closed are not: a reopened conversation is closed again
later). Stored per day and per area as it is now, they are read for whoever sees whole areas
with the visibility rule put on the area (`visible_areas_filter`), exactly as counted from the
conversations; the days not complete yet (today, and a few minutes after midnight yesterday)
are counted from the conversations and messages as before.
"""

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When

from ventanilla.analytics.days import Window, dates_window, day_index
from ventanilla.conversations import daycounts
from ventanilla.conversations.models import Conversation, Message, ReportDay, ReportDayCount

STORED = {"opened": "opened", "in": "messages_in", "out": "messages_out"}  # key: column
FILLED, STALE = "filled", "stale"


def complete_days(win: Window) -> int:
    """How many of the window's days, from its first, are complete (stored or to be)."""
    settled = daycounts.settled_until()
    return sum(1 for end in win.bounds[1:] if end <= settled)


def _days(win: Window, complete: int):
    return ReportDay.objects.filter(
        start__in=win.bounds[:complete], end__in=win.bounds[1 : complete + 1]
    )


def stored_rows(win: Window, complete: int, areas: Q) -> list:
    """Querysets of (key, day, n) rows for a UNION: per stored day of the window's first
    `complete`, the counts of the areas `areas` allows summed (keys of STORED), and a
    (FILLED, day, 0) row for each day stored, (STALE, day, 0) for each stored and stale."""
    days = _days(win, complete)
    counts = ReportDayCount.objects.filter(
        Q(day__in=days.filter(stale=False).values("pk")) & areas
    ).annotate(day_number=day_index("day__start", win))
    parts = [
        counts.values("day_number")
        .annotate(key=Value(key), n=Sum(column))
        .values("key", "day_number", "n")
        .order_by()
        for key, column in STORED.items()
    ]
    marks = days.annotate(
        key=Case(When(stale=True, then=Value(STALE)), default=Value(FILLED)),
        day_number=day_index("start", win),
        n=Value(0, IntegerField()),
    )
    return [*parts, marks.values("key", "day_number", "n").order_by()]


def fill(days: list[date], *, stale: bool) -> None:
    """Counts the complete days `days` over the whole desk, by area, and stores them, in one
    transaction: their rows upserted first (and so held until it commits: the docstring of
    conversations.daycounts says why), the former counts of `stale` ones deleted, then counted
    afresh."""
    days = sorted(days)
    with transaction.atomic():
        daycounts.upsert_days(days, stale=False)
        span = dates_window(days[0], days[-1])
        # read back: what an upsert returns for a row it updated differs between databases
        starts = {span.bounds[span.days.index(day)]: span.days.index(day) for day in days}
        rows = ReportDay.objects.filter(start__in=list(starts), end__in=span.bounds[1:])
        ids = {starts[row.start]: row.pk for row in rows}
        if stale:
            ReportDayCount.objects.filter(day_id__in=ids.values()).delete()
        counted: dict = defaultdict(dict)
        for row in _counts(span):
            if row["day"] in ids:
                counted[row["day"], row["area_key"]][STORED[row["key"]]] = row["n"]
        ReportDayCount.objects.bulk_create(
            ReportDayCount(day_id=ids[day], area_id=area, **figures)
            for (day, area), figures in counted.items()
        )


def _counts(span: Window):
    """Rows (key, day, area_key, n) of the span, whole desk: opened, and messages by direction."""
    bounds = {"created_at__gte": span.start, "created_at__lt": span.end}
    opened = (
        Conversation.objects.filter(**bounds)
        .annotate(key=Value("opened"), day=day_index("created_at", span), area_key=F("area_id"))
        .values("key", "day", "area_key")
        .annotate(n=Count("*"))
        .order_by()
    )
    messages = (
        Message.objects.filter(**bounds)
        .annotate(
            key=F("direction"),
            day=day_index("created_at", span),
            area_key=F("conversation__area_id"),
        )
        .values("key", "day", "area_key")
        .annotate(n=Count("*"))
        .order_by()
    )
    return opened.union(messages, all=True)
