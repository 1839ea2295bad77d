"""The numbers a supervisor runs the desk by (docs/product.md#analytics; definitions:
docs/analytics.md).

Everything is scoped with the one visibility rule (`visible_filter`) and bounded by the date range.
Days are TIME_ZONE days: the boundaries of each local day are computed here with zoneinfo (so DST
and UTC offsets are right) and the database only compares stored UTC instants against them. That
is the same SQL on SQLite, PostgreSQL and MariaDB, and needs no time zone tables in the database.
Medians and p90s of the durations are summed up by `durations` (PostgreSQL's `percentile_cont`,
or Python interpolating the same way).
"""

import itertools
from collections import defaultdict
from datetime import date, datetime

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    Q,
    Value,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ventanilla.accounts.models import User
from ventanilla.analytics import rollups, satisfaction
from ventanilla.analytics import targets as target_figures
from ventanilla.analytics.days import Window, dates_window, day_index, window
from ventanilla.analytics.durations import Collected, collect, of_group
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


def _grouped_stats(groups: dict, names: dict, key_name: str) -> list[dict]:
    rows = [
        {key_name: key, "name": names.get(key, str(NO_AREA_NAME) if key is None else str(key))}
        | figures
        for key, figures in groups.items()
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row[key_name] or 0))


def _visible(user: User):
    return Conversation.objects.filter(visible_filter(Viewer.of(user)))


def summary(*, user: User, days: int = 7, now: datetime | None = None) -> dict:
    """The whole dashboard for `user` in a fixed, small number of queries."""
    win = window(days=days, now=now)
    visible = _visible(user)
    collected = collect(visible, win)
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
    collected = collect(visible, win)
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


def _durations(got: Collected) -> dict:
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


def _agents(got: Collected, visible, win: Window, targets: list[dict]) -> list[dict]:
    """Per agent (the conversation's current assignee): conversations assigned in the period,
    first response and resolution; by name."""
    ids = {*got.assigned["agent"], *got.first_response["agent"], *got.resolution["agent"]}
    extras = agent_extras(visible, win, ids, targets)
    rows = [
        {
            "user_id": user_id,
            "name": got.agents.get(user_id, str(user_id)),
            "conversations": got.assigned["agent"].get(user_id, 0),
            "first_response": of_group(got.first_response, "agent", user_id),
            "resolution": of_group(got.resolution, "agent", user_id),
        }
        | extras.get(user_id, {})
        for user_id in ids
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["user_id"]))


def _areas(got: Collected, visible, win: Window, targets: list[dict]) -> list[dict]:
    """Per area: conversations assigned in the period, first response, resolution, queue wait."""
    ids = {*got.assigned["area"], *got.first_response["area"], *got.resolution["area"]}
    extras = area_extras(visible, win, ids, targets)
    rows = [
        {
            "area_id": area_id,
            "name": got.areas.get(area_id, str(NO_AREA_NAME) if area_id is None else str(area_id)),
            "conversations": got.assigned["area"].get(area_id, 0),
            "first_response": of_group(got.first_response, "area", area_id),
            "resolution": of_group(got.resolution, "area", area_id),
            "queue_wait": of_group(got.queue_wait, "area", area_id),
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
