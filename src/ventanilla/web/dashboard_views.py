"""The Tablero (dashboard): the lines and their sessions, the desk's reports for a period and the
bot's latest replies. Thin: read through the selectors, act through `providers.sessions`,
render."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ventanilla.analytics import selectors as analytics
from ventanilla.analytics import tables
from ventanilla.analytics.permissions import SEE_ANALYTICS
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    Conversation,
    Direction,
    Message,
    SenderType,
)
from ventanilla.conversations.visibility import Viewer, visible_filter
from ventanilla.core.errors import InvalidInput, NotFound
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.providers import selectors as lines
from ventanilla.providers import sessions
from ventanilla.providers.models import Line
from ventanilla.providers.permissions import PAUSE_LINES, RUN_SESSIONS
from ventanilla.web.access import requires

BOT_ACTIVITY = 10
# The per-day charts: one slot per day, two bars per slot, drawn in a viewBox 420 wide (a week's
# slots of 60) however many days: the slots narrow beyond a week.
SLOT, BAR, GAP, PLOT_TOP, PLOT_HEIGHT, PLOT_WIDTH = 60, 18, 4, 14, 110, 420


def _card(line: Line) -> dict:
    status = sessions.session_status(line)
    status["state_label"] = line.get_state_display()
    status["provider_label"] = line.get_provider_display()
    return status


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _chart(per_day: list[dict], first: str, second: str) -> dict:
    """Two bars a day, scaled to the largest value of the window (at least 1); over two weeks,
    a date under every few days only."""
    top = max([1, *(day[first] for day in per_day), *(day[second] for day in per_day)])
    baseline = PLOT_TOP + PLOT_HEIGHT
    every = 1 if len(per_day) <= 14 else (len(per_day) + 9) // 10
    scale = min(1, PLOT_WIDTH / (SLOT * len(per_day)))
    slot, bar_width, gap = SLOT * scale, BAR * scale, GAP * scale
    days = []
    for index, day in enumerate(per_day):
        left = index * slot + (slot - 2 * bar_width - gap) / 2
        bars = []
        for offset, key in ((0, first), (bar_width + gap, second)):
            value = day[key]
            height = round(value / top * PLOT_HEIGHT, 1)
            bars.append(
                {
                    "key": key,
                    "value": value,
                    "x": round(left + offset, 2),
                    "width": round(bar_width, 2),
                    "labelled": len(per_day) <= 14,
                    "y": baseline - height,
                    "height": height,
                    "label_x": round(left + offset + bar_width / 2, 2),
                    "label_y": baseline - height - 3,
                }
            )
        days.append(
            {
                "date": parse_date(day["date"]),
                "bars": bars,
                "label_x": round(index * slot + slot / 2, 2),
                "labelled": (len(per_day) - 1 - index) % every == 0,
            }
        )
    return {
        "days": days,
        "width": round(slot * len(per_day), 2),
        "baseline": baseline,
        "label_y": baseline + 16,
        "height": baseline + 22,
        "top": top,
    }


def _areas(by_area: list[dict]) -> list[dict]:
    rows = [
        {**area, "total": area["bot"] + area["queued"] + area["active"] + area["closed_today"]}
        for area in by_area
    ]
    top = max([1, *(row["total"] for row in rows)])
    for row in rows:
        row["share"] = round(row["total"] / top * 100)
    return rows


def _times(figures: dict) -> dict:
    return {
        "count": figures["count"],
        "median": _duration(figures["median"]),
        "p90": _duration(figures["p90"]),
    }


def _met(target: dict | None) -> dict:
    """A target's share met as the tables show it: "75 %" and "3 de 4"; "—" when none was
    decided."""
    if not target or target["share"] is None:
        return {"share": "—", "of": ""}
    decided = target["met"] + target["missed"]
    return {
        "share": f"{round(target['share'] * 100)} %",
        "of": _("%(met)d de %(decided)d") % {"met": target["met"], "decided": decided},
    }


def _targets_met(row: dict) -> dict:
    return {key: _met(row.get(key)) for key in ("first_response_target", "resolution_target")}


def _shares(rows: list[dict], key: str) -> list[dict]:
    """Each row with `share`: its `key` as a percentage of the largest (for the bar)."""
    top = max([1, *(row[key] for row in rows)])
    return [{**row, "share": round(row[key] / top * 100)} for row in rows]


def _satisfaction(figures: dict) -> dict:
    """The survey figures as the tables show them: the answered share in whole percent, the
    average with one decimal ("" when there is none)."""
    share, average = figures["share"], figures["average"]
    return {
        **figures,
        "share": "" if share is None else f"{round(share * 100)} %",
        "average": "" if average is None else f"{average:.1f}",
    }


def _timed(row: dict, keys: tuple[str, ...]) -> dict:
    return {key: _times(row[key]) for key in keys if key in row}


def _satisfaction_of(row: dict) -> dict:
    return {"satisfaction": _satisfaction(row["satisfaction"])}


def _figures(report: dict) -> dict:
    timed = ("first_response", "resolution", "queue_wait")
    return {
        "now": report["now"],
        "areas": _areas(report["now"]["by_area"]),
        "conversations_chart": _chart(report["per_day"], "opened", "closed"),
        "messages_chart": _chart(report["per_day"], "messages_in", "messages_out"),
        "first_response": _times(report["first_response"]["overall"]),
        "resolution": _times(report["resolution"]["overall"]),
        "queue_wait": _times(report["queue_wait"]),
        "agents": [
            {**row, **_timed(row, timed), **_targets_met(row), **_satisfaction_of(row)}
            for row in _shares(report["agents"], "conversations")
        ],
        "area_times": [
            {**row, **_timed(row, timed), **_targets_met(row), **_satisfaction_of(row)}
            for row in _shares(report["areas"], "conversations")
        ],
        "targets": {key: _met(target) for key, target in report.get("targets", {}).items()},
        "satisfaction": _satisfaction(report["satisfaction"]),
        "flow_exits": _shares(report["flow_exits"], "conversations"),
        "labels": _shares(report["labels"], "opened"),
    }


def _period(request) -> tuple[analytics.Window, str]:
    """The period asked for in the query string, else the default with the reason."""
    query = request.GET
    try:
        return analytics.period_window(query.get("period"), query.get("from"), query.get("to")), ""
    except InvalidInput as error:
        return analytics.period_window(), error.detail


def _period_context(win: analytics.Window, problem: str, request) -> dict:
    query = {"period": win.period}
    if win.period == "custom":
        query |= {"from": win.days[0].isoformat(), "to": win.days[-1].isoformat()}
    return {
        "period": win.period,
        "period_from": request.GET.get("from") or win.days[0].isoformat(),
        "period_to": request.GET.get("to") or win.days[-1].isoformat(),
        "period_first": win.days[0],
        "period_last": win.days[-1],
        "period_days": len(win.days),
        "period_problem": problem,
        "period_query": urlencode(query),
        "time_zone": win.tz.key,
    }


def _bot_activity(viewer: Viewer) -> list[Message]:
    visible = Conversation.objects.filter(visible_filter(viewer)).values("pk")
    return list(
        Message.objects.filter(
            sender_type=SenderType.BOT, direction=Direction.OUT, conversation__in=visible
        )
        .select_related("conversation__contact")
        .only("pk", "text", "type", "created_at", "conversation__id", "conversation__contact__name")
        .order_by("-pk")[:BOT_ACTIVITY]
    )


@requires(SIGNED_IN)
@require_GET
def dashboard(request):
    user = request.user
    viewer = Viewer.of(user)
    manager = SEE_ANALYTICS.grants(user)
    context = {
        "section": "dashboard",
        "lines": [_card(line) for line in lines.line_list()],
        **_line_actions(user),
        "manager": manager,
        "bot_activity": _bot_activity(viewer),
    }
    if manager:
        win, problem = _period(request)
        context |= _period_context(win, problem, request)
        context["figures"] = _figures(analytics.report(user=user, win=win))
    else:
        context["mine_open"] = Conversation.objects.filter(
            assigned_to=user, status__in=OPEN_STATUSES
        ).count()
    return render(request, "web/dashboard.html", context)


@requires(SEE_ANALYTICS)
@require_GET
def dashboard_export(request, table: str):
    """One of the dashboard's tables as CSV, for the period of the query string."""
    if table not in tables.TABLES:
        raise Http404(table)
    try:
        query = request.GET
        win = analytics.period_window(query.get("period"), query.get("from"), query.get("to"))
    except InvalidInput as error:
        return HttpResponse(error.detail, status=400, content_type="text/plain; charset=utf-8")
    report = analytics.report(user=request.user, win=win)
    response = HttpResponse(tables.csv_text(report, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tables.csv_filename(report, table)}"'
    return response


def _line_actions(user) -> dict:
    return {"can_start": RUN_SESSIONS.grants(user), "can_pause": PAUSE_LINES.grants(user)}


def _line(line_id: int) -> Line:
    try:
        return lines.line_get(line_id=line_id)
    except NotFound as error:
        raise Http404(error.detail) from error


def _answer(request, line: Line):
    """htmx: the card again; a plain form: back to the dashboard."""
    if request.htmx:
        context = {
            "line": _card(line),
            **_line_actions(request.user),
        }
        return render(request, "web/dashboard/_line.html", context)
    return redirect("dashboard")


@requires(SIGNED_IN)
@require_GET
def dashboard_line(request, line_id: int):
    """One line's card, for dashboard.js when the session changes."""
    return render(
        request,
        "web/dashboard/_line.html",
        {
            "line": _card(_line(line_id)),
            **_line_actions(request.user),
        },
    )


@requires(RUN_SESSIONS)
@require_POST
def dashboard_line_start(request, line_id: int):
    return _answer(request, sessions.session_start(line=_line(line_id)))


@requires(RUN_SESSIONS)
@require_POST
def dashboard_line_stop(request, line_id: int):
    return _answer(request, sessions.session_stop(line=_line(line_id)))


@requires(PAUSE_LINES)
@require_POST
def dashboard_line_pause(request, line_id: int):
    line = _line(line_id)
    wanted = request.POST.get("paused")
    paused = (not line.paused) if wanted not in ("0", "1") else wanted == "1"
    return _answer(request, sessions.session_pause(line=line, paused=paused))
