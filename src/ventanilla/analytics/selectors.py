"""The numbers a supervisor runs the desk by (docs/product.md#analytics; definitions:
docs/analytics.md).

Everything is scoped with the one visibility rule (`visible_filter`) and bounded by the date range.
Days are TIME_ZONE days: the boundaries of each local day are computed here with zoneinfo (so DST
and UTC offsets are right) and the database only compares stored UTC instants against them. That
is the same SQL on SQLite, PostgreSQL and MariaDB, and needs no time zone tables in the database.
Medians and p90s are computed by PostgreSQL (`percentile_cont`); SQLite and MariaDB have no
percentile function, so there Python computes them from the durations of the range (one number
per conversation), interpolating the same way.
"""

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime

from django.conf import settings
from django.db import connections
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ventanilla.accounts.models import User
from ventanilla.accounts.selectors import area_names, display_names
from ventanilla.analytics import rollups, satisfaction
from ventanilla.analytics import targets as target_figures
from ventanilla.analytics.days import Window, dates_window, day_index, window
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    Conversation,
    Direction,
    Label,
    Message,
    Status,
)
from ventanilla.conversations.visibility import Viewer, visible_areas_filter, visible_filter
from ventanilla.core import clock
from ventanilla.core.errors import InvalidInput
from ventanilla.flows.models import Node

MIN_DAYS = 1
MAX_DAYS = 90
PERIODS = {"today": 1, "7d": 7, "30d": 30}
DEFAULT_PERIOD = "7d"
NO_AREA_NAME = gettext_lazy("Sin área")
GONE = gettext_lazy("(borrado)")


def _date_in(name: str, text: str | None) -> date:
    value = None
    if text:
        try:
            value = date.fromisoformat(text.strip())
        except ValueError:
            value = None
    if value is None:
        raise InvalidInput.field(name, _("Indicá una fecha AAAA-MM-DD."))
    return value


def period_window(
    period: str | None = None,
    first: str | None = None,
    last: str | None = None,
    *,
    now: datetime | None = None,
) -> Window:
    """The report's period: "today", "7d" (default), "30d", or "custom" from `first` to `last`
    (local dates, at most MAX_DAYS days, not after today). InvalidInput names the field."""
    period = period or DEFAULT_PERIOD
    if period in PERIODS:
        return window(days=PERIODS[period], now=now, period=period)
    if period != "custom":
        raise InvalidInput.field("period", _("Elegí today, 7d, 30d o custom."))
    start, end = _date_in("from", first), _date_in("to", last)
    if end < start:
        raise InvalidInput.field("to", _("La fecha final es anterior a la inicial."))
    if end > clock.local_date(now):
        raise InvalidInput.field("to", _("La fecha final es posterior a hoy."))
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput.field(
            "from", _("El período tiene como máximo %(days)d días.") % {"days": MAX_DAYS}
        )
    return dates_window(start, end)


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
        | figures
        for key, figures in groups.items()
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
            # date_part is float8 already; EXTRACT's numeric cost ~0.2 µs a value (ADR 0041)
            return f"date_part('epoch', {end_sql} - {start_sql})", params
        if connection.vendor == "sqlite":
            return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params
        if connection.vendor == "mysql":
            # MariaDB: microseconds, exact; the division makes it a decimal, the field a float
            return f"(TIMESTAMPDIFF(MICROSECOND, {start_sql}, {end_sql}) / 1000000.0)", (
                *start_params,
                *end_params,
            )
        raise NotImplementedError(connection.vendor)


def _visible(user: User):
    return Conversation.objects.filter(visible_filter(Viewer.of(user)))


def summary(*, user: User, days: int = 7, now: datetime | None = None) -> dict:
    """The whole dashboard for `user` in a fixed, small number of queries."""
    win = window(days=days, now=now)
    visible = _visible(user)
    collected = _collect(visible, win)
    return {
        "days": days,
        "time_zone": settings.TIME_ZONE,
        "from": win.days[0].isoformat(),
        "to": win.days[-1].isoformat(),
        "now": _now(visible, win),
        "per_day": _per_day(visible, win, visible_areas_filter(Viewer.of(user), "area")),
        **_durations(collected),
    }


def report(*, user: User, win: Window) -> dict:
    """The reports of the period (docs/analytics.md#reports): the summary's figures, per agent,
    per area, queue wait and flow exits; a fixed number of queries whatever the volume."""
    visible = _visible(user)
    collected = _collect(visible, win)
    durations = _durations(collected)
    targets = target_figures.target_counts(visible, win.start, win.end)
    return {
        "period": win.period,
        "days": len(win.days),
        "time_zone": settings.TIME_ZONE,
        "from": win.days[0].isoformat(),
        "to": win.days[-1].isoformat(),
        "now": _now(visible, win),
        "per_day": _per_day(visible, win, visible_areas_filter(Viewer.of(user), "area")),
        **durations,
        "agents": _agents(collected, visible, win, targets),
        "areas": _areas(collected, visible, win, targets),
        "flow_exits": _flow_exits(visible, win),
        **report_extras(visible, win, targets),
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


def _per_day(visible, win: Window, areas: Q | None) -> list[dict]:
    """Per day: conversations opened and closed, messages in and out. One statement: the days
    complete from the counts stored per area (analytics.rollups) when the viewer's rule is by
    area (`areas`), the rest counted from the conversations and messages; once more after
    storing the days a report reads for the first time."""
    complete = rollups.complete_days(win) if areas is not None else 0
    rows = list(_per_day_rows(visible, win, areas, complete))
    filled = {row["day"] for row in rows if row["key"] == rollups.FILLED}
    if len(filled) < complete:
        missing = [day for index, day in enumerate(win.days[:complete]) if index not in filled]
        rollups.fill(missing, stale=any(row["key"] == rollups.STALE for row in rows))
        rows = list(_per_day_rows(visible, win, areas, complete))
    per_day = [
        {"date": day.isoformat(), "opened": 0, "closed": 0, "messages_in": 0, "messages_out": 0}
        for day in win.days
    ]
    for row in rows:
        if row["key"] in PER_DAY_KEYS:
            per_day[row["day"]][PER_DAY_KEYS[row["key"]]] += int(row["n"] or 0)
    return per_day


PER_DAY_KEYS = {
    "opened": "opened",
    "closed": "closed",
    Direction.IN: "messages_in",
    Direction.OUT: "messages_out",
}


def _per_day_rows(visible, win: Window, areas: Q | None, complete: int):
    """The (key, day, n) rows of `_per_day` in one UNION ALL: conversations opened in the days
    not stored and closed in the window (`COUNT(*)`: the closed ones are read from the
    `closed_at` index alone, which carries the area; ADR 0041), messages of the days not
    stored, the stored days."""
    opened, closed = (
        visible.filter(**{f"{field}__gte": start, f"{field}__lt": win.end})
        .annotate(day=day_index(field, win))
        .values("day")
        .annotate(n=Count("*"), key=Value(key))
        .values("key", "day", "n")
        .order_by()
        for key, field, start in (
            ("opened", "created_at", win.bounds[complete]),
            ("closed", "closed_at", win.start),
        )
    )
    stored = rollups.stored_rows(win, complete, areas) if complete else []
    return opened.union(closed, *_messages_per_day(visible, win, complete), *stored, all=True)


def _messages_per_day(visible, win: Window, complete: int) -> list:
    """Querysets of (key: direction, day, n) rows: the messages of the window's days from
    `complete` on, counted per day and direction.

    Someone who sees the whole desk: one count per day, each a range of the (created_at,
    direction) index read without touching the table or computing a day per row
    (docs/adr/0035-search-and-reports-at-scale.md). Someone who sees part of it: one grouped
    count over their conversations' messages (a message created at t leaves its conversation's
    last_activity_at >= t: the conversation side is narrowed by its indexed last_activity_at,
    the message side by created_at)."""
    live = win.bounds[complete]
    if complete == len(win.days):
        return []
    if visible.query.where:
        messages = Message.objects.filter(
            created_at__gte=live,
            created_at__lt=win.end,
            conversation__in=visible.filter(last_activity_at__gte=live).values("pk"),
        )
        return [
            messages.annotate(day=day_index("created_at", win), key=F("direction"))
            .values("key", "day")
            .annotate(n=Count("*"))
            .values("key", "day", "n")
            .order_by()
        ]
    return [
        Message.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(key=F("direction"))
        .values("key")
        # COUNT(*), not of "id": the id is not in the index
        .annotate(n=Count("*"), day=Value(index, output_field=IntegerField()))
        .values("key", "day", "n")
        .order_by()
        for index, (start, end) in enumerate(itertools.pairwise(win.bounds))
        if index >= complete
    ]


def _duration_rows(visible, win: Window):
    """Seconds computed by the database (parsing ~100,000 timestamps in Python would cost more
    than every query together), one row per conversation of the window: (area, agent, first
    response, queue wait) of the assigned ones, (area, agent, closed by the bot, resolution) of
    the closed ones. The first response is the first agent message at or after the assignment,
    stored on the conversation when that message is written (ADR 0037)."""
    assigned = (
        visible.filter(assigned_at__gte=win.start, assigned_at__lt=win.end)
        .annotate(
            response=SecondsBetween("assigned_at", "first_reply_since_assigned_at"),
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


@dataclass
class _Collected:
    """The duration rows of the window summed up every way the reports need: for each duration,
    stats (count, median, p90) over all rows, by area and by agent (groups without a value left
    out); conversations assigned by area and agent; the closed ones and the bot's."""

    first_response: dict = dc_field(default_factory=lambda: _groups())
    resolution: dict = dc_field(default_factory=lambda: _groups())
    queue_wait: dict = dc_field(default_factory=lambda: _groups())
    assigned: dict = dc_field(default_factory=lambda: {"area": Counter(), "agent": Counter()})
    closed_total: int = 0
    closed_by_bot: int = 0
    areas: dict = dc_field(default_factory=dict)  # id -> name, of every area named
    agents: dict = dc_field(default_factory=dict)  # id -> name, of every agent named


def _groups() -> dict:
    return {"all": stats([]), "area": {}, "agent": {}}


EMPTY_STATS = {"count": 0, "median": None, "p90": None}


def _collect(visible, win: Window) -> _Collected:
    """First response, queue wait and assignments (conversations assigned in the window), and
    resolution and the bot's share (closed in it); then the names of the areas and agents.
    PostgreSQL computes the percentiles (`percentile_cont`); SQLite and MariaDB have none, so
    there the rows come to Python, which interpolates the same way."""
    assigned, closed = _duration_rows(visible, win)
    if connections[assigned.db].vendor == "postgresql":
        got = collect_in_database(assigned, closed)
    else:
        got = collect_in_python(assigned, closed)
    area_ids = {*got.assigned["area"], *got.resolution["area"]} - {None}
    agent_ids = {*got.assigned["agent"], *got.resolution["agent"]}
    got.areas, got.agents = area_names(area_ids), display_names(agent_ids)
    return got


def collect_in_python(assigned, closed) -> _Collected:
    """`_Collected` from the rows of `_duration_rows`, read into Python."""
    values = {name: _value_lists() for name in ("first_response", "queue_wait", "resolution")}
    got = _Collected()
    for area_id, agent_id, response, wait in assigned:
        _add(values["first_response"], response, area_id, agent_id)
        _add(values["queue_wait"], wait, area_id, agent_id)
        got.assigned["area"][area_id] += 1
        if agent_id is not None:
            got.assigned["agent"][agent_id] += 1
    for area_id, agent_id, by_bot, took in closed:
        got.closed_total += 1
        got.closed_by_bot += 1 if by_bot else 0
        _add(values["resolution"], took, area_id, None if by_bot else agent_id)
    for name, lists in values.items():
        setattr(
            got,
            name,
            {
                "all": stats(lists["all"]),
                "area": {key: stats(group) for key, group in lists["area"].items()},
                "agent": {key: stats(group) for key, group in lists["agent"].items()},
            },
        )
    return got


def _value_lists() -> dict:
    return {"all": [], "area": defaultdict(list), "agent": defaultdict(list)}


def _add(groups: dict, value, area_id, agent_id) -> None:
    if value is None or value < 0:
        return
    groups["all"].append(value)
    groups["area"][area_id].append(value)
    if agent_id is not None:
        groups["agent"][agent_id].append(value)


def _grouped_sql(rows, columns: str, agent: str, counted: str, durations: tuple[str, ...]):
    """The statement that sums up the rows of the queryset `rows` (its columns named
    `columns`) over all, by area_id and by `agent`: GROUPING of area and agent, area_id,
    agent, COUNT(*), `counted`, then per duration its count, median and p90 (a negative or
    NULL duration is not one); and its parameters."""
    sql, params = rows.query.sql_with_params()
    figures = ", ".join(
        f"COUNT(*) FILTER (WHERE {name} >= 0), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP"
        f" (ORDER BY {name}) FILTER (WHERE {name} >= 0)"
        for name in durations
    )
    statement = (
        f"SELECT GROUPING(area_id), GROUPING({agent}), area_id, {agent}, COUNT(*), {counted},"  # noqa: S608
        f" {figures} FROM ({sql}) AS found ({columns})"
        f" GROUP BY GROUPING SETS ((), (area_id), ({agent}))"
    )
    return statement, params


def _of_group(groups: dict, kind: str, key) -> dict:
    """The stats of one area or agent (`kind`), zeros for one without values (a fresh dict)."""
    return groups[kind].get(key) or EMPTY_STATS.copy()


def _stats_of(count: int, percentiles: list[float] | None) -> dict:
    if not count:
        return EMPTY_STATS.copy()
    median, p90 = percentiles
    return {"count": count, "median": round(median, 1), "p90": round(p90, 1)}


def _put(got_groups: dict, whole: bool, by_area: bool, key, figures: dict) -> None:
    """One row of a GROUPING SETS result into {"all", "area", "agent"}; a group without a
    value left out, as in Python."""
    if whole:
        got_groups["all"] = figures
    elif figures["count"] and by_area:
        got_groups["area"][key] = figures
    elif figures["count"] and key is not None:
        got_groups["agent"][key] = figures


def collect_in_database(assigned, closed) -> _Collected:
    """`_Collected` with the counts and percentiles computed by PostgreSQL (`percentile_cont`,
    the interpolation of `percentile`): two statements of a few dozen rows, not ~100,000 rows
    to Python (docs/adr/0035-search-and-reports-at-scale.md)."""
    got = _Collected()
    connection = connections[assigned.db]
    assigned_sql = _grouped_sql(
        assigned, "area_id, agent_id, response, wait", "agent_id", "NULL", ("response", "wait")
    )
    # closed by the bot: the resolution is nobody's (no agent group)
    closed_sql = _grouped_sql(
        closed,
        "area_id, agent_id, by_bot, took",
        "(CASE WHEN by_bot THEN NULL ELSE agent_id END)",
        "COUNT(*) FILTER (WHERE by_bot)",
        ("took",),
    )
    with connection.cursor() as cursor:
        cursor.execute(*assigned_sql)
        for no_area, no_agent, area_id, agent_id, n, _nothing, *figures in cursor.fetchall():
            whole, key = no_area and no_agent, area_id if no_agent else agent_id
            response = _stats_of(figures[0], figures[1])
            wait = _stats_of(figures[2], figures[3])
            _put(got.first_response, whole, bool(no_agent), key, response)
            _put(got.queue_wait, whole, bool(no_agent), key, wait)
            if not whole and (no_agent or agent_id is not None):
                got.assigned["area" if no_agent else "agent"][key] = n
        cursor.execute(*closed_sql)
        for no_area, no_agent, area_id, agent_id, n, by_bot, *figures in cursor.fetchall():
            whole, key = no_area and no_agent, area_id if no_agent else agent_id
            if whole:
                got.closed_total, got.closed_by_bot = n, by_bot
            _put(got.resolution, whole, bool(no_agent), key, _stats_of(*figures))
    return got


def _durations(got: _Collected) -> dict:
    """First response, resolution (overall, by area, by agent), the bot's share, queue wait."""
    closed_total, closed_by_bot = got.closed_total, got.closed_by_bot
    return {
        "first_response": _by_group(got.first_response, got.areas, got.agents),
        "resolution": _by_group(got.resolution, got.areas, got.agents),
        "bot_only": {
            "closed": closed_total,
            "by_bot": closed_by_bot,
            "share": round(closed_by_bot / closed_total, 4) if closed_total else None,
        },
        "queue_wait": got.queue_wait["all"],
    }


def _agents(got: _Collected, visible, win: Window, targets: list[dict]) -> list[dict]:
    """Per agent (the conversation's current assignee): conversations assigned in the period,
    first response and resolution; by name."""
    ids = {*got.assigned["agent"], *got.first_response["agent"], *got.resolution["agent"]}
    extras = agent_extras(visible, win, ids, targets)
    rows = [
        {
            "user_id": user_id,
            "name": got.agents.get(user_id, str(user_id)),
            "conversations": got.assigned["agent"].get(user_id, 0),
            "first_response": _of_group(got.first_response, "agent", user_id),
            "resolution": _of_group(got.resolution, "agent", user_id),
        }
        | extras.get(user_id, {})
        for user_id in ids
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["user_id"]))


def _areas(got: _Collected, visible, win: Window, targets: list[dict]) -> list[dict]:
    """Per area: conversations assigned in the period, first response, resolution, queue wait."""
    ids = {*got.assigned["area"], *got.first_response["area"], *got.resolution["area"]}
    extras = area_extras(visible, win, ids, targets)
    rows = [
        {
            "area_id": area_id,
            "name": got.areas.get(area_id, str(NO_AREA_NAME) if area_id is None else str(area_id)),
            "conversations": got.assigned["area"].get(area_id, 0),
            "first_response": _of_group(got.first_response, "area", area_id),
            "resolution": _of_group(got.resolution, "area", area_id),
            "queue_wait": _of_group(got.queue_wait, "area", area_id),
        }
        | extras.get(area_id, {})
        for area_id in ids
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["area_id"] or 0))


def _flow_exits(visible, win: Window) -> list[dict]:
    """Conversations opened in the period, by where the flow let them go (flows.engine EXIT_*:
    a redirect or end node, the fallback area, closed with nobody next); most first."""
    rows = list(
        visible.filter(created_at__gte=win.start, created_at__lt=win.end)
        .exclude(bot_exit="")
        .values("bot_flow_id", "bot_exit_node_id", "bot_exit")
        .annotate(n=Count("id"))
        .order_by()
    )
    nodes = {  # a node belongs to its flow: one query names both
        node.pk: node
        for node in Node.objects.filter(pk__in={row["bot_exit_node_id"] for row in rows})
        .select_related("flow", "area")
        .only("pk", "type", "label", "trigger", "text", "flow__name", "area__name")
    }
    exits = [
        {
            "flow_id": row["bot_flow_id"],
            "flow": _flow_name(nodes.get(row["bot_exit_node_id"])),
            "node_id": row["bot_exit_node_id"],
            "node": _node_name(nodes.get(row["bot_exit_node_id"])),
            "exit": row["bot_exit"],
            "conversations": row["n"],
        }
        for row in rows
    ]
    return sorted(exits, key=lambda row: (-row["conversations"], row["flow"], row["node_id"] or 0))


def _flow_name(node: Node | None) -> str:
    return node.flow.name if node is not None else str(GONE)


def _node_name(node: Node | None) -> str:
    """The option's title, else its first trigger, else the start of its text."""
    if node is None:
        return str(GONE)
    name = node.label or node.trigger.split(",")[0].strip() or " ".join(node.text.split())[:40]
    if node.type == "redirect" and node.area is not None:
        return f"{name} → {node.area.name}" if name else node.area.name
    return name or node.get_type_display()


# --- hooks: figures later features add (issue 18) -------------------------------------------------
# Satisfaction surveys, response-time targets and labels add their figures here, each in its own
# query, without touching the rest: per agent and per area they return {id: {"key": value}},
# merged into that row (and so into the API, the console's tables and their CSV); `report_extras`
# returns top-level sections, e.g. {"labels": [{"label_id", "name", "conversations"}]}.


def agent_extras(visible, win: Window, agent_ids: set, targets: list[dict]) -> dict[int, dict]:
    """Per-agent figures of later features: response-time targets met (from `target_counts`),
    satisfaction."""
    return _per_row(
        target_figures.targets_met_by(targets, "assigned_to_id", agent_ids),
        satisfaction.satisfaction_by(visible, win.start, win.end, "agent_id", agent_ids),
    )


def area_extras(visible, win: Window, area_ids: set, targets: list[dict]) -> dict:
    """Per-area figures of later features: response-time targets met (from `target_counts`),
    satisfaction."""
    return _per_row(
        target_figures.targets_met_by(targets, "area_id", area_ids),
        satisfaction.satisfaction_by(visible, win.start, win.end, "area_id", area_ids),
    )


def _per_row(*features: dict) -> dict:
    """The per-row figures of several features, merged row by row."""
    merged: dict = defaultdict(dict)
    for figures in features:
        for key, row in figures.items():
            merged[key].update(row)
    return dict(merged)


def report_extras(visible, win: Window, targets: list[dict]) -> dict:
    """Top-level sections of later features: conversations per label, response-time targets met
    (from `target_counts`), satisfaction."""
    return {
        "labels": _labels(visible, win),
        "targets": target_figures.targets_met(targets),
        "satisfaction": satisfaction.satisfaction(visible, win.start, win.end),
    }


def _by_group(groups: dict, areas: dict, agents: dict) -> dict:
    return {
        "overall": groups["all"],
        "by_area": _grouped_stats(groups["area"], areas, "area_id"),
        "by_agent": _grouped_stats(groups["agent"], agents, "user_id"),
    }


def label_counts(*, user: User, days: int = 7, now: datetime | None = None) -> dict:
    """Per label, the conversations `user` may see that carry it: open now, and opened in the
    last `days` local days (docs/analytics.md#labels). One query; every label listed, even at
    zero."""
    win = window(days=days, now=now)
    return {
        "days": days,
        "from": win.days[0].isoformat(),
        "to": win.days[-1].isoformat(),
        "labels": _labels(_visible(user), win),
    }


def _labels(visible, win: Window) -> list[dict]:
    """Every label by name, even at zero: the `visible` conversations carrying it that are open
    now, and those opened in the window. One statement: the labels at zero, then the counts from
    the conversations' side (their own filters and indexes, no IN over every visible id), the
    open ones and the opened ones apart (one condition with OR read every conversation: 31 ms
    of PostgreSQL CPU against 18 at 100,000 conversations; ADR 0041)."""
    zero = Value(0, output_field=IntegerField())
    every = Label.objects.values("pk", "name", "name_key", "color").annotate(open=zero, opened=zero)
    nothing = Value(None, output_field=CharField())
    open_now, opened = (
        visible.filter(condition, labels__isnull=False)
        .values("labels__pk")
        .annotate(name=nothing, name_key=nothing, color=nothing, **{key: Count("*"), other: zero})
        .values("labels__pk", "name", "name_key", "color", "open", "opened")
        .order_by()
        for condition, key, other in (
            (Q(status__in=OPEN_STATUSES), "open", "opened"),
            (Q(created_at__gte=win.start, created_at__lt=win.end), "opened", "open"),
        )
    )
    rows: dict[int, dict] = {}
    for row in every.order_by().union(open_now, opened, all=True):
        label = rows.setdefault(
            row["pk"],
            {"label_id": row["pk"], "name": None, "color": None, "open": 0, "opened": 0,
             "key": None},
        )  # fmt: skip
        if row["name"] is not None:  # the label's own row
            label |= {"name": row["name"], "color": row["color"], "key": row["name_key"]}
        label["open"] += row["open"]
        label["opened"] += row["opened"]
    ordered = sorted(rows.values(), key=lambda label: (label["key"], label["label_id"]))
    for label in ordered:
        del label["key"]
    return ordered
