from ninja import Field, Query, Schema

from ventanilla.analytics import selectors
from ventanilla.analytics.permissions import SEE_ANALYTICS
from ventanilla.api.security import Router, requires

router = Router(tags=["analytics"])


class SummaryQuery(Schema):
    days: int = Field(7, ge=selectors.MIN_DAYS, le=selectors.MAX_DAYS)


@router.get("/summary")
@requires(SEE_ANALYTICS)
def summary(request, query: Query[SummaryQuery]):
    """The dashboard's figures (docs/analytics.md), scoped to what the viewer may see."""
    return selectors.summary(user=request.auth, days=query.days)
