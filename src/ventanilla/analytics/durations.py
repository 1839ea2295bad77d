"""The reports' durations (first response, queue wait, resolution) summed up over all, by area and
by agent, with their medians and p90s: by PostgreSQL (`percentile_cont`), or where a database has
no percentile function in Python, interpolating the same way (docs/analytics.md)."""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.db import connections
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    FloatField,
    Func,
    Q,
)
from django.utils.translation import gettext_lazy

from ventanilla.accounts.selectors import area_names, display_names
from ventanilla.analytics.days import Window
from ventanilla.conversations.models import (
    Status,
)

MIN_DAYS = 1
MAX_DAYS = 90
PERIODS = {"today": 1, "7d": 7, "30d": 30}
DEFAULT_PERIOD = "7d"
NO_AREA_NAME = gettext_lazy("Sin área")
GONE = gettext_lazy("(borrado)")


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


def duration_rows(visible, win: Window):
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
class Collected:
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


def collect(visible, win: Window) -> Collected:
    """First response, queue wait and assignments (conversations assigned in the window), and
    resolution and the bot's share (closed in it); then the names of the areas and agents.
    PostgreSQL computes the percentiles (`percentile_cont`); SQLite and MariaDB have none, so
    there the rows come to Python, which interpolates the same way."""
    assigned, closed = duration_rows(visible, win)
    if connections[assigned.db].vendor == "postgresql":
        got = collect_in_database(assigned, closed)
    else:
        got = collect_in_python(assigned, closed)
    area_ids = {*got.assigned["area"], *got.resolution["area"]} - {None}
    agent_ids = {*got.assigned["agent"], *got.resolution["agent"]}
    got.areas, got.agents = area_names(area_ids), display_names(agent_ids)
    return got


def collect_in_python(assigned, closed) -> Collected:
    """`Collected` from the rows of `duration_rows`, read into Python."""
    values = {name: _value_lists() for name in ("first_response", "queue_wait", "resolution")}
    got = Collected()
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


def of_group(groups: dict, kind: str, key) -> dict:
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


def collect_in_database(assigned, closed) -> Collected:
    """`Collected` with the counts and percentiles computed by PostgreSQL (`percentile_cont`,
    the interpolation of `percentile`): two statements of a few dozen rows, not ~100,000 rows
    to Python (docs/adr/0035-search-and-reports-at-scale.md)."""
    got = Collected()
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
