"""The WhatsApp session of a line: start, stop, pause, its name and number, and the state that
providers report, published to every console as `session:status` and `session:qr`.

States (LineState): disconnected -> connecting -> (qr ->) connected; error when a start failed.

What starting and stopping does is the provider's: one `Session` each, in `SESSIONS`.

- WPPConnect: start asks WPPConnect Server to start the session with our webhook URL; the QR
  codes and the progress arrive later through the webhook (`session_apply`). Stop closes the
  browser (the login is kept) or, with `logout`, unlinks the device.
- Cloud API: start checks the credentials against the Graph API (the phone number's details).
- Sandbox: start and stop only switch the state.

Starting is claimed under the line's row lock, so concurrent starts start one session. The
provider calls run after that claim commits (never inside a caller's transaction, so webhooks
that arrive meanwhile are not kept waiting on the row).
"""

import logging
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from ventanilla.core import audit, clock, events
from ventanilla.core.errors import InvalidInput, max_length_text
from ventanilla.core.fields import UNSET
from ventanilla.providers.base import SendError
from ventanilla.providers.models import Line, LineState, Provider
from ventanilla.providers.registry import client_for
from ventanilla.providers.services import line_update

log = logging.getLogger(__name__)

EVERYONE = {"all": True}
ACTIVE_STATES = (LineState.QR, LineState.CONNECTING, LineState.CONNECTED)
# A start that never heard back (no webhook reached us) may be started again after this.
STALE_START = timedelta(minutes=2)
DETAIL_MAX = Line._meta.get_field("state_detail").max_length
DISPLAY_NAME_MAX = Line._meta.get_field("display_name").max_length
PHONE_MAX = Line._meta.get_field("phone").max_length
WEBHOOK_PATH = "/webhooks/whatsapp/wppconnect/"


# --- reading -------------------------------------------------------------------------------------


def session_status(line: Line) -> dict:
    """GET /api/bot/status: the line and its session; the QR only while it waits for a scan."""
    return {
        "line_id": line.pk,
        "provider": line.provider,
        "state": line.state,
        "detail": line.state_detail,
        "paused": line.paused,
        "display_name": line.display_name,
        "phone": line.phone,
        "connected_since": line.connected_since,
        "qr": (line.last_qr or None) if line.state == LineState.QR else None,
    }


def _status_event(line: Line) -> tuple[str, dict, dict]:
    data = {
        "line_id": line.pk,
        "state": line.state,
        "detail": line.state_detail,
        "paused": line.paused,
    }
    return "session:status", data, EVERYONE


def webhook_url(line: Line) -> str:
    """Where WPPConnect Server posts this line's events (PUBLIC_URL must reach us from it)."""
    token = quote(line.wpp_webhook_token or "", safe="")
    return f"{settings.PUBLIC_URL.rstrip('/')}{WEBHOOK_PATH}{token}"


# --- state changes -------------------------------------------------------------------------------


def _detail(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def _transition(
    line_id: int, *, state: str = "", detail: str = "", qr: str = "", only_from=None
) -> Line | None:
    """Moves the line to `state` and/or shows a new QR, publishing what changed; under the row
    lock. `only_from` limits it to lines still in one of those states (None: any). Returns the
    line, or None when `only_from` did not match."""
    with transaction.atomic():
        line = Line.objects.select_for_update().get(pk=line_id)
        if only_from is not None and line.state not in only_from:
            return None
        if qr and not state:
            state = LineState.QR
        fields, published = set(), []
        if state and state != line.state:
            now = clock.now()
            if state == LineState.CONNECTED:
                line.connected_since = now
            elif line.connected_since is not None:
                line.connected_since = None
            line.state = state
            fields |= {"state", "connected_since"}
            published.append("status")
        if state and detail and _detail(detail) != line.state_detail:
            line.state_detail = _detail(detail)
            fields.add("state_detail")
        if line.state != LineState.QR and line.last_qr:
            line.last_qr = ""
            fields.add("last_qr")
        if qr and qr != line.last_qr:
            line.last_qr = qr
            fields.add("last_qr")
            published.append("qr")
        if fields:
            line.save(update_fields=[*fields, "updated_at"])
        items = []
        if "status" in published:
            items.append(_status_event(line))
        if "qr" in published:
            items.append(("session:qr", {"line_id": line.pk, "qr": line.last_qr}, EVERYONE))
        if items:
            events.publish_many(items)
        return line


def session_apply(*, line: Line, state: str = "", detail: str = "", qr: str = "") -> Line:
    """What the provider says about the session (a webhook): a new state, a QR to scan."""
    return _transition(line.pk, state=state, detail=detail, qr=qr)


# --- start and stop ------------------------------------------------------------------------------


def _claim_start(line_id: int) -> bool:
    """Marks the line as starting unless it already is (or is up); exactly one caller wins."""
    with transaction.atomic():
        line = Line.objects.select_for_update().get(pk=line_id)
        stale = line.state == LineState.CONNECTING and clock.now() - line.updated_at > STALE_START
        if line.state in ACTIVE_STATES and not stale:
            return False
        target, detail = session_of(line).starting
        if line.state == target:  # a stale start: the state stays, the clock restarts
            line.state_detail = detail
            line.save(update_fields=["state_detail", "updated_at"])
            return True
        _transition(line.pk, state=target, detail=detail)
        return True


def session_start(*, line: Line) -> Line:
    """Starts the line's session; returns at once with the line as it is now. Progress (QR,
    connected, error) is published as `session:status` / `session:qr`."""
    with transaction.atomic():
        claimed = _claim_start(line.pk)
        if claimed:
            audit.record_object("line.started", line)
    if claimed:
        line_id = line.pk
        transaction.on_commit(lambda: _start_with_provider(line_id))
    return Line.objects.get(pk=line.pk)


def _start_with_provider(line_id: int) -> None:
    line = Line.objects.get(pk=line_id)
    try:
        session_of(line).start(line)
    except Exception as error:  # the line must not stay "connecting" because of a bug
        log.exception("starting the session of line %s", line_id)
        _failed(line, f"Unexpected error: {type(error).__name__}")


def _failed(line: Line, reason: str) -> None:
    log.warning("could not start the session of line %s: %s", line.pk, reason)
    _transition(line.pk, state=LineState.ERROR, detail=reason, only_from=(LineState.CONNECTING,))


def session_stop(*, line: Line, logout: bool = False) -> Line:
    """Stops the session (WPPConnect: close-session, or logout-session with `logout`)."""
    with transaction.atomic():
        _transition(line.pk, state=LineState.DISCONNECTED, detail="logout" if logout else "stopped")
        audit.record_object("line.stopped", line, changes={"logout": [None, logout]})
    session_of(line).stop(line, logout=logout)
    return Line.objects.get(pk=line.pk)


def reconnect_lines() -> list[int]:
    """At start-up: the lines that were up and whose session lives on a server (WPPConnect) are
    started again (a session still running there is found connected at once). Returns their ids."""
    providers = [provider for provider, session in SESSIONS.items() if session.reconnects]
    ids = list(
        Line.objects.filter(provider__in=providers, state__in=ACTIVE_STATES).values_list(
            "pk", flat=True
        )
    )
    for line_id in ids:
        _transition(line_id, state=LineState.CONNECTING, detail="reconnecting")
        try:
            line = Line.objects.get(pk=line_id)
            session_of(line).start(line)
        except Exception:  # one line must not keep the others (or the server) down
            log.exception("reconnecting line %s", line_id)
    return ids


# --- one session per provider --------------------------------------------------------------------


class Session:
    """What starting and stopping means on a provider without a session of its own."""

    starting = (LineState.CONNECTING, "starting")  # the state and detail a claimed start takes
    reconnects = False  # started again at start-up when it was up

    def start(self, line: Line) -> None:
        """After the claim committed, outside any transaction: connects, or fails the start."""

    def stop(self, line: Line, *, logout: bool) -> None:
        """Within the caller's transaction, after the line turned disconnected."""


class SandboxSession(Session):
    """The simulated phone: up as soon as it is started."""

    starting = (LineState.CONNECTED, "sandbox")


class CloudSession(Session):
    """Start checks the credentials: the phone number's details from the Graph API."""

    def start(self, line: Line) -> None:
        if not line.cloud_phone_number_id or not line.cloud_access_token:
            _failed(line, "Not configured: the phone number id and the access token are needed.")
            return
        try:
            with client_for(line) as client:
                answer = client.phone_number()
        except SendError as error:
            if error.code in ("timeout", "connection"):
                cause = type(error.__cause__).__name__
                _failed(line, f"Could not reach the WhatsApp Cloud API ({cause}).")
            else:
                _failed(line, error.reason)
            return
        name = answer.get("verified_name") if isinstance(answer.get("verified_name"), str) else ""
        number = answer.get("display_phone_number")
        number = number if isinstance(number, str) else ""
        updated = _transition(
            line.pk,
            state=LineState.CONNECTED,
            detail=" ".join(filter(None, [name, number])) or "verified",
            only_from=(LineState.CONNECTING,),
        )
        if updated is not None and not updated.phone and number:
            digits = "".join(ch for ch in number if ch.isdigit())
            if digits:
                Line.objects.filter(pk=line.pk, phone="").update(phone=f"+{digits}"[:PHONE_MAX])


class WppConnectSession(Session):
    """WhatsApp Web on WPPConnect Server: start asks the server to start the session with our
    webhook URL (the QR codes and the progress arrive through it); stop closes the browser, or
    with `logout` unlinks the device."""

    reconnects = True

    def start(self, line: Line) -> None:
        from ventanilla.providers.wppconnect.client import session_state

        missing = [
            name
            for name, value in (
                ("WPPCONNECT_URL", line.wpp_url),
                ("WPPCONNECT_SECRET_KEY", line.wpp_secret_key),
                ("WPPCONNECT_SESSION", line.wpp_session),
                ("WPPCONNECT_WEBHOOK_TOKEN", line.wpp_webhook_token),
            )
            if not value
        ]
        if missing:
            _failed(line, f"Not configured: {', '.join(missing)}.")
            return
        try:
            with client_for(line) as client:
                answer = client.start_session(webhook_url(line))
        except SendError as error:
            _failed(line, error.reason)
            return
        state, qr = session_state(answer)
        # CONNECTED: the session was already running, no event will follow; QRCODE: show it now.
        # INITIALIZING / CLOSED (starting now): the webhook brings the rest.
        if state == LineState.CONNECTED:
            _transition(
                line.pk,
                state=LineState.CONNECTED,
                detail="CONNECTED",
                only_from=(LineState.CONNECTING, LineState.QR),
            )
        elif state == LineState.QR and qr:
            _transition(line.pk, qr=qr, only_from=(LineState.CONNECTING, LineState.QR))

    def stop(self, line: Line, *, logout: bool) -> None:
        if line.wpp_url:
            line_id = line.pk
            transaction.on_commit(lambda: self._close(line_id, logout=logout))

    def _close(self, line_id: int, *, logout: bool) -> None:
        line = Line.objects.get(pk=line_id)
        try:
            with client_for(line) as client:
                if logout:
                    client.logout_session()
                else:
                    client.close_session()
        except SendError as error:  # stopped here anyway; the server may still run it
            log.warning(
                "WPPConnect did not close the session of line %s: %s", line_id, error.reason
            )
            _transition(
                line_id,
                state=LineState.DISCONNECTED,
                detail=f"stopped; WPPConnect Server: {error.reason}",
            )


SESSIONS: dict[str, Session] = {
    Provider.SANDBOX: SandboxSession(),
    Provider.CLOUD: CloudSession(),
    Provider.WPPCONNECT: WppConnectSession(),
}


def session_of(line: Line) -> Session:
    return SESSIONS.get(line.provider, Session())


# --- pause and metadata --------------------------------------------------------------------------


def session_pause(*, line: Line, paused: bool) -> Line:
    """Paused: the bot stays quiet on this line (people still answer)."""
    with transaction.atomic():
        line = Line.objects.select_for_update().get(pk=line.pk)
        if line.paused != paused:
            line.paused = paused
            line.save(update_fields=["paused", "updated_at"])
            audit.record_object("line.paused", line, changes={"paused": [not paused, paused]})
            events.publish_many([_status_event(line)])
    return line


def session_update_metadata(*, line: Line, display_name=UNSET, phone=UNSET) -> Line:
    """The line's name and number as the desk shows them (`phone` already in its final form)."""
    changes = {}
    if display_name is not UNSET:
        display_name = " ".join(str(display_name).split())
        if len(display_name) > DISPLAY_NAME_MAX:
            raise InvalidInput.field("display_name", max_length_text(DISPLAY_NAME_MAX))
        changes["display_name"] = display_name
    if phone is not UNSET:
        phone = str(phone).strip()
        if len(phone) > PHONE_MAX:
            raise InvalidInput.field("phone", max_length_text(PHONE_MAX))
        changes["phone"] = phone
    if not changes:
        return line
    return line_update(line=line, **changes)
