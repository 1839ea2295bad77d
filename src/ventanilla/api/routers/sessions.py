"""Signed-in sessions: one's own (`/api/sessions`: list, end one) and, for admins, ending all of
someone's (`DELETE /api/users/{user_id}/sessions`). Ending closes that session's consoles too."""

from datetime import datetime

from ninja import Schema, Status

from ventanilla.accounts import selectors, sessions, two_factor
from ventanilla.accounts.permissions import MANAGE_USERS
from ventanilla.api.schemas import LIST, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.core.permissions import SIGNED_IN

router = Router(tags=["sessions"])
users_router = Router(tags=["sessions"])


class SessionOut(Schema):
    id: int
    device: str  # from the browser's user agent: "Firefox en Linux"
    user_agent: str
    ip_address: str
    created_at: datetime
    last_seen_at: datetime
    current: bool  # the session this request was made with


class SessionList(Schema):
    items: list[SessionOut]


class EndedOut(Schema):
    ended: int


def _out(row, current_key: str | None) -> dict:
    return {
        "id": row.pk,
        "device": sessions.device_of(row.user_agent),
        "user_agent": row.user_agent,
        "ip_address": row.ip_address,
        "created_at": row.created_at,
        "last_seen_at": row.last_seen_at,
        "current": row.session_key == current_key,
    }


@router.get("", response=answers({200: SessionList}, *LIST))
@requires(SIGNED_IN)
def list_own_sessions(request):
    current = request.session.session_key
    rows = sessions.session_list(user_id=request.auth.pk)
    return {"items": [_out(row, current) for row in rows]}


@router.delete("/{session_id}", response=answers({204: None}, *WRITE, 404))
@requires(SIGNED_IN)
def end_own_session(request, session_id: int):
    sessions.session_end(user_id=request.auth.pk, session_id=session_id)
    return Status(204, None)


@users_router.delete("/{user_id}/two-factor", response=answers({204: None}, *WRITE, 404))
@requires(MANAGE_USERS)
def reset_user_two_factor(request, user_id: int):
    """Takes the person's second factor off (a lost phone); they set it up again."""
    two_factor.reset(user=selectors.user_get(user_id=user_id))
    return Status(204, None)


@users_router.delete("/{user_id}/sessions", response=answers({200: EndedOut}, *WRITE, 404))
@requires(MANAGE_USERS)
def end_user_sessions(request, user_id: int):
    user = selectors.user_get(user_id=user_id)
    return {"ended": sessions.user_sessions_end(user=user)}
