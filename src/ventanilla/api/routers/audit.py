"""The audit trail (ADMIN): who did what, when, from where; newest first, filtered."""

from datetime import datetime

from ninja import Query, Schema

from ventanilla.accounts.permissions import SEE_AUDIT
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, answers
from ventanilla.api.security import Router, requires
from ventanilla.core import audit

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    created_at: datetime
    action: str
    actor_id: int | None
    actor_name: str  # "" for the system (a job, a command, a failed sign-in)
    token_id: int | None  # the API token the change was made with, if any
    ip_address: str
    target_type: str
    target_id: str
    target_label: str
    changes: dict  # {field: [before, after]}; secrets as "[redacted]"


class AuditPage(Schema):
    items: list[AuditOut]
    next: str | None


class AuditFilters(Schema):
    action: str = ""  # "user.updated", or a prefix ending in a dot: "user."
    actor_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


@router.get("", response=answers({200: AuditPage}, *LIST, 403))
@requires(SEE_AUDIT)
def list_audit(request, filters: Query[AuditFilters], page: Query[PageQuery]):
    rows = audit.entries(
        action=filters.action.strip(),
        actor_id=filters.actor_id,
        target_type=filters.target_type.strip(),
        target_id=filters.target_id.strip(),
        since=filters.since,
        until=filters.until,
    )
    items, next_cursor = keyset_page(rows, ordering=("-created_at", "-id"), page=page)
    return {"items": items, "next": next_cursor}
