from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from ventanilla.analytics import selectors, tables
from ventanilla.analytics.permissions import SEE_ANALYTICS
from ventanilla.api.schemas import LIST, answers
from ventanilla.api.security import Router, requires
from ventanilla.core.errors import NotFound

router = Router(tags=["analytics"])


class SummaryQuery(Schema):
    days: int = Field(7, ge=selectors.MIN_DAYS, le=selectors.MAX_DAYS)


class AreaNow(Schema):
    area_id: int | None
    name: str
    bot: int
    queued: int
    active: int
    closed_today: int


class Now(Schema):
    bot: int
    queued: int
    active: int
    closed_today: int
    by_area: list[AreaNow]


class Day(Schema):
    date: str
    opened: int
    closed: int
    messages_in: int
    messages_out: int


class Durations(Schema):
    """Seconds (one decimal); null when count is 0."""

    count: int
    median: float | None
    p90: float | None


class AreaDurations(Durations):
    area_id: int | None
    name: str


class AgentDurations(Durations):
    user_id: int
    name: str


class DurationGroups(Schema):
    overall: Durations
    by_area: list[AreaDurations]
    by_agent: list[AgentDurations]


class BotOnly(Schema):
    closed: int
    by_bot: int
    share: float | None


class SummaryOut(Schema):
    """docs/analytics.md defines every figure."""

    days: int
    time_zone: str
    from_: str = Field(alias="from")
    to: str
    now: Now
    per_day: list[Day]
    first_response: DurationGroups
    resolution: DurationGroups
    bot_only: BotOnly
    queue_wait: Durations


@router.get("/summary", response=answers({200: SummaryOut}, *LIST, 403), by_alias=True)
@requires(SEE_ANALYTICS)
def summary(request, query: Query[SummaryQuery]):
    """The dashboard's figures (docs/analytics.md), scoped to what the viewer may see."""
    return selectors.summary(user=request.auth, days=query.days)


class LabelCount(Schema):
    label_id: int
    name: str
    color: str
    open: int  # open now
    opened: int  # opened in the range


class LabelCountsOut(Schema):
    days: int
    from_: str = Field(alias="from")
    to: str
    labels: list[LabelCount]


@router.get("/labels", response=answers({200: LabelCountsOut}, *LIST, 403), by_alias=True)
@requires(SEE_ANALYTICS)
def label_counts(request, query: Query[SummaryQuery]):
    """Conversations per label, scoped to what the viewer may see (docs/analytics.md#labels)."""
    return selectors.label_counts(user=request.auth, days=query.days)


class ReportQuery(Schema):
    period: str = Field(selectors.DEFAULT_PERIOD, description="today, 7d, 30d or custom")
    from_: str | None = Field(None, alias="from", description="custom: first local day, YYYY-MM-DD")
    to: str | None = Field(None, description="custom: last local day, YYYY-MM-DD (not after today)")


class TargetShare(Schema):
    """Response-time targets decided in the period (docs/analytics.md#response-time-targets)."""

    met: int
    missed: int
    share: float | None  # met / (met + missed), 4 decimals; null when none was decided


class Targets(Schema):
    first_response: TargetShare
    resolution: TargetShare


class Satisfaction(Schema):
    """Satisfaction surveys sent in the period (docs/analytics.md#satisfaction)."""

    sent: int
    answered: int  # rated
    share: float | None  # answered / sent, 4 decimals
    average: float | None  # of the ratings (1 to 5), 2 decimals


class AgentRow(Schema):
    user_id: int
    name: str
    conversations: int
    first_response: Durations
    resolution: Durations
    first_response_target: TargetShare
    resolution_target: TargetShare
    satisfaction: Satisfaction


class AreaRow(Schema):
    area_id: int | None
    name: str
    conversations: int
    first_response: Durations
    resolution: Durations
    queue_wait: Durations
    first_response_target: TargetShare
    resolution_target: TargetShare
    satisfaction: Satisfaction


class FlowExit(Schema):
    flow_id: int | None
    flow: str
    node_id: int | None
    node: str
    exit: str
    conversations: int


class ReportOut(Schema):
    """docs/analytics.md#reports defines every figure."""

    period: str
    days: int
    time_zone: str
    from_: str = Field(alias="from")
    to: str
    now: Now
    per_day: list[Day]
    first_response: DurationGroups
    resolution: DurationGroups
    bot_only: BotOnly
    queue_wait: Durations
    agents: list[AgentRow]
    areas: list[AreaRow]
    flow_exits: list[FlowExit]
    labels: list[LabelCount]
    targets: Targets
    satisfaction: Satisfaction


CSV_ANSWER = {
    "responses": {
        200: {
            "description": "the table as CSV (docs/analytics.md#csv)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def _report(request, query: ReportQuery) -> dict:
    win = selectors.period_window(query.period, query.from_, query.to)
    return selectors.report(user=request.auth, win=win)


@router.get("/report", response=answers({200: ReportOut}, *LIST, 403), by_alias=True)
@requires(SEE_ANALYTICS)
def report(request, query: Query[ReportQuery]):
    """The reports of a period (docs/analytics.md#reports), scoped to what the viewer may see."""
    return _report(request, query)


@router.get(
    "/report/{table}.csv",
    response=answers({200: None}, *LIST, 403, 404),
    openapi_extra=CSV_ANSWER,
)
@requires(SEE_ANALYTICS)
def report_csv(request, table: str, query: Query[ReportQuery]):
    """One table of the report as CSV: per_day, agents, areas, now, flow_exits, labels (else
    404)."""
    if table not in tables.TABLES:
        raise NotFound(_("No hay una tabla «%(table)s».") % {"table": table[:50]})
    data = _report(request, query)
    response = HttpResponse(tables.csv_text(data, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tables.csv_filename(data, table)}"'
    return response
