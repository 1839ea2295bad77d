"""Desk settings an admin changes at run time (docs/adr/0013-desk-settings.md): auto-close and
the follow-up window.

`GET /api/settings/auto-close` answers the values in force: the saved ones, else the environment's
(AUTO_CLOSE_MINUTES, AUTO_CLOSE_MESSAGE). `PATCH` saves `minutes` (0: off; up to 1440, two
decimals) and/or `message` (1 to 4096 characters); a field sent as null goes back to the
environment's value. ADMIN only, like the Settings screen.
"""

from datetime import datetime

from ninja import Schema
from pydantic import StrictFloat, StrictInt

from ventanilla.api.schemas import WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.conversations import selectors as conversation_selectors
from ventanilla.conversations import services as conversation_services
from ventanilla.conversations.permissions import MANAGE_FOLLOW_UP
from ventanilla.schedules import selectors, services
from ventanilla.schedules.permissions import MANAGE_AUTO_CLOSE
from ventanilla.schedules.selectors import AutoClose

router = Router(tags=["settings"])


class Editor(Schema):
    id: int
    name: str


class AutoCloseOut(Schema):
    minutes: float  # 0: off
    message: str
    enabled: bool
    minutes_saved: bool  # false: AUTO_CLOSE_MINUTES applies
    message_saved: bool  # false: AUTO_CLOSE_MESSAGE applies
    updated_at: datetime | None
    updated_by: Editor | None


class AutoClosePatch(Schema):
    minutes: StrictFloat | None = None  # JSON numbers only: not "30", not true
    message: str | None = None


def _out(current: AutoClose) -> dict:
    editor = current.updated_by
    return {
        "minutes": float(current.minutes),
        "message": current.message,
        "enabled": current.enabled,
        "minutes_saved": current.minutes_saved,
        "message_saved": current.message_saved,
        "updated_at": current.updated_at,
        "updated_by": {"id": editor.pk, "name": editor.display_name} if editor else None,
    }


@router.get("/auto-close", response=answers({200: AutoCloseOut}, 401, 403))
@requires(MANAGE_AUTO_CLOSE)
def get_auto_close(request):
    return _out(selectors.auto_close_get())


@router.patch("/auto-close", response=answers({200: AutoCloseOut}, *WRITE))
@requires(MANAGE_AUTO_CLOSE)
def update_auto_close(request, payload: AutoClosePatch):
    services.auto_close_update(by=request.auth, **payload.dict(exclude_unset=True))
    return _out(selectors.auto_close_get())


class FollowUpOut(Schema):
    reopen_hours: int  # 0: only supervisors and admins reopen
    saved: bool  # false: REOPEN_WINDOW_HOURS applies
    updated_at: datetime | None
    updated_by: Editor | None


class FollowUpPatch(Schema):
    reopen_hours: StrictInt | None = None  # null: back to REOPEN_WINDOW_HOURS; not "24", not true


def _follow_up_out() -> dict:
    current = conversation_selectors.follow_up_get()
    editor = current.updated_by
    return {
        "reopen_hours": current.reopen_hours,
        "saved": current.saved,
        "updated_at": current.updated_at,
        "updated_by": {"id": editor.pk, "name": editor.display_name} if editor else None,
    }


@router.get("/follow-up", response=answers({200: FollowUpOut}, 401, 403))
@requires(MANAGE_FOLLOW_UP)
def get_follow_up(request):
    return _follow_up_out()


@router.patch("/follow-up", response=answers({200: FollowUpOut}, *WRITE))
@requires(MANAGE_FOLLOW_UP)
def update_follow_up(request, payload: FollowUpPatch):
    conversation_services.follow_up_update(by=request.auth, **payload.dict(exclude_unset=True))
    return _follow_up_out()
