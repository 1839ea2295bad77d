"""The numbers a supervisor runs the desk by (docs/product.md#analytics; definitions:
docs/analytics.md).

Everything is scoped with the one visibility rule (`visible_filter`) and bounded by the date range.
Days are TIME_ZONE days: the boundaries of each local day are computed here with zoneinfo (so DST
and UTC offsets are right) and the database only compares stored UTC instants against them. That
is the same SQL on SQLite, PostgreSQL and MariaDB, and needs no time zone tables in the database.
Medians and p90s are computed in Python from the durations of the range (one number per
conversation): SQLite and MariaDB have no percentile function.
"""

import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext_lazy

from ventanilla.accounts.models import User
from ventanilla.accounts.selectors import area_names, display_names
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    Conversation,
    Direction,
    Label,
    Message,
    SenderType,
    Status,
)
from ventanilla.conversations.visibility import Viewer, visible_filter
from ventanilla.core import clock

MIN_DAYS = 1
MAX_DAYS = 90
NO_AREA_NAME = gettext_lazy("Sin área")


@dataclass(frozen=True)
class Window:
    """The last `days` local days, today included: [start, end) as aware UTC instants."""

    tz: zoneinfo.ZoneInfo
    days: list[date]
    bounds: list[datetime]  # len(days) + 1 local midnights, ascending

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    @property
    def today_start(self) -> datetime:
        return self.bounds[-2]


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def window(*, days: int, now: datetime | None = None) -> Window:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = (now or clock.now()).astimezone(tz).date()
    local_days = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    bounds = [local_midnight(day, tz) for day in local_days]
    bounds.append(local_midnight(today + timedelta(days=1), tz))
    return Window(tz=tz, days=local_days, bounds=bounds)


def day_index(field: str, win: Window) -> Case:
    """The index of the local day `field` falls on (rows are already filtered to the window)."""
    whens = [
        When(**{f"{field}__lt": bound}, then=Value(index))
        for index, bound in enumerate(win.bounds[1:-1])
    ]
    return Case(*whens, default=Value(len(win.days) - 1), output_field=IntegerField())


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 1)


def stats(values: list[float]) -> dict:
    return {"count": len(values), "median": percentile(values, 0.5), "p90": percentile(values, 0.9)}


def _grouped_stats(groups: dict, names: dict, key_name: str) -> list[dict]:
    rows = [
        {key_name: key, "name": names.get(key, str(NO_AREA_NAME) if key is None else str(key))}
        | stats(values)
        for key, values in groups.items()
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row[key_name] or 0))


class SecondsBetween(Func):
    """`end - start` in seconds as a float (NULL if either is NULL), on each of our databases."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        params = (*end_params, *start_params)
        if connection.vendor == "postgresql":
            return f"EXTRACT(EPOCH FROM ({end_sql} - {start_sql}))::float8", params
        if connection.vendor == "sqlite":
            return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params
        if connection.vendor == "mysql":
            # MariaDB: microseconds, exact; the division makes it a decimal, the field a float
            return f"(TIMESTAMPDIFF(MICROSECOND, {start_sql}, {end_sql}) / 1000000.0)", (
                *start_params,
                *end_params,
            )
        raise NotImplementedError(connection.vendor)


def summary(*, user: User, days: int = 7, now: datetime | None = None) -> dict:
    """The whole dashboard for `user` in a fixed, small number of queries."""
    win = window(days=days, now=now)
    visible = Conversation.objects.filter(visible_filter(Viewer.of(user)))
    return {
        "days": days,
        "time_zone": settings.TIME_ZONE,
        "from": win.days[0].isoformat(),
        "to": win.days[-1].isoformat(),
        "now": _now(visible, win),
        "per_day": _per_day(visible, win),
        **_durations(visible, win),
    }


def _now(visible, win: Window) -> dict:
    """Open conversations by area and status, plus those closed today."""
    current = (
        visible.filter(Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=win.today_start))
        .values("area_id", "area__name", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals = {Status.BOT: 0, Status.QUEUED: 0, Status.ACTIVE: 0, "closed_today": 0}
    by_area: dict = {}
    for row in current:
        key = "closed_today" if row["status"] == Status.CLOSED else row["status"]
        if key not in totals:
            continue
        area = by_area.setdefault(
            row["area_id"],
            {
                "area_id": row["area_id"],
                "name": row["area__name"] or str(NO_AREA_NAME),
                **dict.fromkeys(totals, 0),
            },
        )
        area[key] += row["n"]
        totals[key] += row["n"]
    return {
        "bot": totals[Status.BOT],
        "queued": totals[Status.QUEUED],
        "active": totals[Status.ACTIVE],
        "closed_today": totals["closed_today"],
        "by_area": sorted(
            by_area.values(), key=lambda row: (row["name"].casefold(), row["area_id"] or 0)
        ),
    }


def _per_day(visible, win: Window) -> list[dict]:
    """Per day: conversations opened and closed, messages in and out."""
    per_day = [
        {"date": day.isoformat(), "opened": 0, "closed": 0, "messages_in": 0, "messages_out": 0}
        for day in win.days
    ]
    for key, field in (("opened", "created_at"), ("closed", "closed_at")):
        rows = (
            visible.filter(**{f"{field}__gte": win.start, f"{field}__lt": win.end})
            .annotate(day=day_index(field, win))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            per_day[row["day"]][key] = row["n"]
    # A message created at t leaves its conversation's last_activity_at >= t: the conversation side
    # is narrowed by its (indexed) last_activity_at, the message side by created_at.
    messages = (
        Message.objects.filter(
            created_at__gte=win.start,
            created_at__lt=win.end,
            conversation__in=visible.filter(last_activity_at__gte=win.start).values("pk"),
        )
        .annotate(day=day_index("created_at", win))
        .values("day", "direction")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in messages:
        key = "messages_in" if row["direction"] == Direction.IN else "messages_out"
        per_day[row["day"]][key] += row["n"]
    return per_day


def _duration_rows(visible, win: Window):
    """Seconds computed by the database (parsing ~100,000 timestamps in Python would cost more
    than every query together), one row per conversation of the window: (area, agent, first
    response, queue wait) of the assigned ones, (area, agent, closed by the bot, resolution) of
    the closed ones."""
    first_agent_reply = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            sender_type=SenderType.AGENT,
            created_at__gte=OuterRef("assigned_at"),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    assigned = (
        visible.filter(assigned_at__gte=win.start, assigned_at__lt=win.end)
        .annotate(
            response=SecondsBetween(
                "assigned_at", Subquery(first_agent_reply, output_field=DateTimeField())
            ),
            wait=SecondsBetween("queued_at", "assigned_at"),
        )
        .values_list("area_id", "assigned_to_id", "response", "wait")
    )
    closed = (
        visible.filter(status=Status.CLOSED, closed_at__gte=win.start, closed_at__lt=win.end)
        .annotate(
            took=SecondsBetween("created_at", "closed_at"),
            by_bot=ExpressionWrapper(Q(assigned_at__isnull=True), output_field=BooleanField()),
        )
        .values_list("area_id", "assigned_to_id", "by_bot", "took")
    )
    return assigned, closed


def _durations(visible, win: Window) -> dict:
    """First response, resolution (overall, by area, by agent), the bot's share, queue wait."""
    assigned, closed = _duration_rows(visible, win)
    first_response: dict = {"all": [], "area": defaultdict(list), "agent": defaultdict(list)}
    resolution: dict = {"all": [], "area": defaultdict(list), "agent": defaultdict(list)}
    queue_wait: list[float] = []
    for area_id, agent_id, response, wait in assigned:
        if response is not None and response >= 0:
            first_response["all"].append(response)
            first_response["area"][area_id].append(response)
            if agent_id is not None:
                first_response["agent"][agent_id].append(response)
        if wait is not None and wait >= 0:
            queue_wait.append(wait)
    closed_total = closed_by_bot = 0
    for area_id, agent_id, by_bot, took in closed:
        closed_total += 1
        closed_by_bot += 1 if by_bot else 0
        if took is not None and took >= 0:
            resolution["all"].append(took)
            resolution["area"][area_id].append(took)
            if not by_bot and agent_id is not None:
                resolution["agent"][agent_id].append(took)
    areas = area_names(
        {key for key in (*first_response["area"], *resolution["area"]) if key is not None}
    )
    agents = display_names(set(first_response["agent"]) | set(resolution["agent"]))
    return {
        "first_response": _by_group(first_response, areas, agents),
        "resolution": _by_group(resolution, areas, agents),
        "bot_only": {
            "closed": closed_total,
            "by_bot": closed_by_bot,
            "share": round(closed_by_bot / closed_total, 4) if closed_total else None,
        },
        "queue_wait": stats(queue_wait),
    }


def _by_group(values: dict, areas: dict, agents: dict) -> dict:
    return {
        "overall": stats(values["all"]),
        "by_area": _grouped_stats(values["area"], areas, "area_id"),
        "by_agent": _grouped_stats(values["agent"], agents, "user_id"),
    }


def label_counts(*, user: User, days: int = 7, now: datetime | None = None) -> dict:
    """Per label, the conversations `user` may see that carry it: open now, and opened in the
    last `days` local days (docs/analytics.md#labels). One query; every label listed, even at
    zero."""
    win = window(days=days, now=now)
    visible = Conversation.objects.filter(visible_filter(Viewer.of(user)))
    counted = (
        Label.objects.annotate(
            open=Count(
                "conversations",
                filter=Q(conversations__in=visible, conversations__status__in=OPEN_STATUSES),
                distinct=True,
            ),
            opened=Count(
                "conversations",
                filter=Q(
                    conversations__in=visible,
                    conversations__created_at__gte=win.start,
                    conversations__created_at__lt=win.end,
                ),
                distinct=True,
            ),
        )
        .order_by("name_key", "pk")
        .values("pk", "name", "color", "open", "opened")
    )
    return {
        "days": days,
        "from": win.days[0].isoformat(),
        "to": win.days[-1].isoformat(),
        "labels": [
            {
                "label_id": row["pk"],
                "name": row["name"],
                "color": row["color"],
                "open": row["open"],
                "opened": row["opened"],
            }
            for row in counted
        ],
    }
