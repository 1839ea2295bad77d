from ninja import Field, Query, Schema

from ventanilla.analytics import selectors
from ventanilla.analytics.permissions import SEE_ANALYTICS
from ventanilla.api.schemas import LIST, answers
from ventanilla.api.security import Router, requires

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
