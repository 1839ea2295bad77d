from ninja import Field, Query, Router, Schema

from ventanilla.accounts.models import Role
from ventanilla.analytics import selectors
from ventanilla.api.security import require_role

router = Router(tags=["analytics"])


class SummaryQuery(Schema):
    days: int = Field(7, ge=selectors.MIN_DAYS, le=selectors.MAX_DAYS)


@router.get("/summary")
def summary(request, query: Query[SummaryQuery]):
    """The dashboard's figures (docs/analytics.md), scoped to what the viewer may see."""
    require_role(request.auth, Role.ADMIN, Role.SUPERVISOR)
    return selectors.summary(user=request.auth, days=query.days)
