"""The Tablero (dashboard): the lines and their sessions, the desk's figures and the bot's latest
replies. Thin: read through the selectors, act through `providers.sessions`, render."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_POST

from ventanilla.analytics import selectors as analytics
from ventanilla.analytics.permissions import SEE_ANALYTICS
from ventanilla.conversations.models import (
    OPEN_STATUSES,
    Conversation,
    Direction,
    Message,
    SenderType,
)
from ventanilla.conversations.visibility import Viewer, visible_filter
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.providers import selectors as lines
from ventanilla.providers import sessions
from ventanilla.providers.models import Line
from ventanilla.providers.permissions import PAUSE_LINES, RUN_SESSIONS
from ventanilla.web.access import requires

DAYS = 7
BOT_ACTIVITY = 10
# The per-day charts: one slot per day, two bars per slot, drawn in a fixed viewBox.
SLOT, BAR, GAP, PLOT_TOP, PLOT_HEIGHT = 60, 18, 4, 14, 110


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
    """Two bars a day, scaled to the largest value of the window (at least 1)."""
    top = max([1, *(day[first] for day in per_day), *(day[second] for day in per_day)])
    baseline = PLOT_TOP + PLOT_HEIGHT
    days = []
    for index, day in enumerate(per_day):
        left = index * SLOT + (SLOT - 2 * BAR - GAP) / 2
        bars = []
        for offset, key in ((0, first), (BAR + GAP, second)):
            value = day[key]
            height = round(value / top * PLOT_HEIGHT, 1)
            bars.append(
                {
                    "key": key,
                    "value": value,
                    "x": left + offset,
                    "y": baseline - height,
                    "height": height,
                    "label_x": left + offset + BAR / 2,
                    "label_y": baseline - height - 3,
                }
            )
        days.append(
            {"date": parse_date(day["date"]), "bars": bars, "label_x": index * SLOT + SLOT / 2}
        )
    return {
        "days": days,
        "width": SLOT * len(per_day),
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


def _figures(user) -> dict:
    summary = analytics.summary(user=user, days=DAYS)
    return {
        "now": summary["now"],
        "areas": _areas(summary["now"]["by_area"]),
        "conversations_chart": _chart(summary["per_day"], "opened", "closed"),
        "messages_chart": _chart(summary["per_day"], "messages_in", "messages_out"),
        "first_response": {
            "count": summary["first_response"]["overall"]["count"],
            "median": _duration(summary["first_response"]["overall"]["median"]),
            "p90": _duration(summary["first_response"]["overall"]["p90"]),
        },
        "resolution": {
            "count": summary["resolution"]["overall"]["count"],
            "median": _duration(summary["resolution"]["overall"]["median"]),
            "p90": _duration(summary["resolution"]["overall"]["p90"]),
        },
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
        "days": DAYS,
        "bot_activity": _bot_activity(viewer),
    }
    if manager:
        context["figures"] = _figures(user)
    else:
        context["mine_open"] = Conversation.objects.filter(
            assigned_to=user, status__in=OPEN_STATUSES
        ).count()
    return render(request, "web/dashboard.html", context)


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
