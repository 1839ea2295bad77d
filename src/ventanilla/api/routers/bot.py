"""The bot / line session API of docs/whatsapp.md: status, start, stop, pause, name and number.

Every call acts on the default line, or on `?line=ID`. Reading is for every signed-in person (the
dashboard card); start, stop and metadata are for ADMIN; pause for ADMIN and SUPERVISOR. Start
answers at once (202); the progress arrives over the socket as `session:status` and `session:qr`.
"""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import ValidationError as PydanticValidationError

from ventanilla.api.schemas import LIST, WRITE, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.contacts.phones import canonical_phone
from ventanilla.core.errors import InvalidInput
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.providers import selectors, services, sessions
from ventanilla.providers.models import Line
from ventanilla.providers.permissions import PAUSE_LINES, RUN_SESSIONS

router = Router(tags=["bot"])


class BotStatus(Schema):
    line_id: int
    provider: str
    state: str  # disconnected | qr | connecting | connected | error
    detail: str
    paused: bool
    display_name: str
    phone: str
    connected_since: datetime | None
    qr: str | None  # image data URL (or the QR's text) while the state is "qr"


class StopIn(Schema):
    logout: bool = False  # WPPConnect: unlink the device (the next start needs a new QR)


STOP_BODY = {
    "required": False,
    "content": {"application/json": {"schema": StopIn.model_json_schema()}},
}


class PauseIn(Schema):
    paused: bool


class MetadataIn(Schema):
    display_name: str | None = None
    phone: str | None = None


def _line(line_id: int | None) -> Line:
    if line_id is None:
        return services.line_default()
    return selectors.line_get(line_id=line_id)


@router.get("/status", response=answers({200: BotStatus}, *LIST, 404))
@requires(SIGNED_IN)
def bot_status(request, line: int | None = None):
    return sessions.session_status(_line(line))


@router.post("/start", response=answers({202: BotStatus}, *WRITE, 404))
@requires(RUN_SESSIONS)
def bot_start(request, line: int | None = None):
    started = sessions.session_start(line=_line(line))
    return Status(202, sessions.session_status(started))


def _stop_options(request) -> StopIn:
    """The body is optional: `POST /api/bot/stop` alone stops without logging out."""
    if request.content_type != "application/json" or not request.body.strip():
        return StopIn()
    try:
        return StopIn.model_validate_json(request.body)
    except PydanticValidationError as error:
        raise InvalidInput.field(
            "logout",
            _("Mandá %(body)s o ningún cuerpo.") % {"body": '{"logout": true|false}'},
        ) from error


@router.post(
    "/stop",
    response=answers({200: BotStatus}, *WRITE, 404),
    openapi_extra={"requestBody": STOP_BODY},
)
@requires(RUN_SESSIONS)
def bot_stop(request, line: int | None = None):
    options = _stop_options(request)
    return sessions.session_status(sessions.session_stop(line=_line(line), logout=options.logout))


@router.post("/pause", response=answers({200: BotStatus}, *WRITE, 404))
@requires(PAUSE_LINES)
def bot_pause(request, payload: PauseIn, line: int | None = None):
    return sessions.session_status(sessions.session_pause(line=_line(line), paused=payload.paused))


@router.patch("/metadata", response=answers({200: BotStatus}, *WRITE, 404))
@requires(RUN_SESSIONS)
def bot_metadata(request, payload: MetadataIn, line: int | None = None):
    changes = reject_nulls(payload.dict(exclude_unset=True), ("display_name", "phone"))
    if (changes.get("phone") or "").strip():
        canonical = canonical_phone(changes["phone"])
        if canonical is None:
            raise InvalidInput.field(
                "phone", _("«%(phone)s» no es un teléfono.") % {"phone": changes["phone"].strip()}
            )
        changes["phone"] = canonical[0]
    updated = sessions.session_update_metadata(line=_line(line), **changes)
    return sessions.session_status(updated)
