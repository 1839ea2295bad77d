"""Graph API failures -> SendError with a clear reason and whether retrying can help."""

import email.utils
import math
from datetime import UTC, datetime
from typing import Any

from ventanilla.providers.base import SendError

WINDOW_CLOSED = "131047"
UNDELIVERABLE = "131026"
BAD_TOKEN = "190"
BSUID_NOT_SUPPORTED = "131062"

# Rate limits: retry after a pause (Retry-After when Meta sends it).
RATE_LIMIT_CODES = frozenset({"4", "80007", "130429", "131056"})
# Transient failures on Meta's side.
TRANSIENT_CODES = frozenset({"1", "2", "131000", "131016", "133004"})

REASONS = {
    WINDOW_CLOSED: "outside the 24-hour window: only templates can be sent",
    UNDELIVERABLE: "message undeliverable (the number may not be on WhatsApp)",
    BAD_TOKEN: "access token invalid or expired",
    BSUID_NOT_SUPPORTED: "this message cannot be sent to a user id: a phone number is needed",
    "4": "rate limit reached for the app: retry later",
    "80007": "rate limit reached for the WhatsApp Business Account: retry later",
    "130429": "throughput limit reached for the number: retry later",
    "131056": "too many messages to the same customer in a short time: retry later",
    "131042": "business payment issue: check the WhatsApp Business Account billing",
    "131031": "WhatsApp Business Account locked or restricted",
    "368": "sending temporarily blocked for policy violations",
    "131051": "message type not supported by WhatsApp",
    "132001": "template does not exist in this language or is not approved",
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date); None if unusable."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def graph_error(body: Any) -> tuple[str, str]:
    """(code, message) of a Graph error body `{"error": {"code", "message", "error_data"}}`."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    code = error.get("code")
    code = str(code) if isinstance(code, int | str) and not isinstance(code, bool) else ""
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    if isinstance(details, str) and details and details not in message:
        message = f"{message}: {details}" if message else details
    return code, message


def error_from_response(status: int, body: Any, retry_after_header: str | None) -> SendError:
    """The SendError for a non-2xx Graph answer."""
    code, api_message = graph_error(body)
    retry_after = parse_retry_after(retry_after_header)
    reason = REASONS.get(code, "")

    if status == 429 or code in RATE_LIMIT_CODES:
        return SendError(
            reason or "rate limited by the WhatsApp Cloud API: retry later",
            code=code or "429",
            retryable=True,
            retry_after=retry_after,
        )
    if code == BAD_TOKEN or (status == 401 and not code):
        return SendError(REASONS[BAD_TOKEN], code=code or "401", retryable=False)
    if reason:
        return SendError(reason, code=code, retryable=False)
    if status >= 500 or status == 408 or code in TRANSIENT_CODES:
        detail = f": {api_message}" if api_message else ""
        return SendError(
            f"WhatsApp Cloud API unavailable (HTTP {status}){detail}",
            code=code or str(status),
            retryable=True,
            retry_after=retry_after,
        )
    return SendError(
        api_message or f"request rejected by the WhatsApp Cloud API (HTTP {status})",
        code=code or str(status),
        retryable=False,
    )
