"""WPPConnect Server answers -> SendError, with `retryable` telling the outbox what to do."""

from typing import Any

from ventanilla.providers.base import SendError


def _message(answer: Any) -> str:
    if isinstance(answer, dict):
        for key in ("message", "error", "status"):
            value = answer.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:300]
    if isinstance(answer, str) and answer.strip():
        return answer.strip()[:300]
    return ""


def error_from_response(status: int, answer: Any, retry_after: str | None = None) -> SendError:
    """The SendError for a failed answer.

    - 5xx, 429: WPPConnect or WhatsApp Web had a bad moment: retryable.
    - 404 "Disconnected": the WhatsApp session is not running; retryable (it may come back).
    - 401: the token is not accepted (the client has already asked for a new one once).
    - 400: the number is not on WhatsApp, or the request is wrong: not retryable.
    """
    detail = _message(answer)
    where = f"WPPConnect Server answered {status}"
    reason = f"{where}: {detail}" if detail else where
    if status == 429 or status >= 500:
        try:
            wait = float(retry_after) if retry_after else None
        except ValueError:
            wait = None
        return SendError(reason, code=f"http_{status}", retryable=True, retry_after=wait)
    if status == 404 and isinstance(answer, dict) and answer.get("status") == "Disconnected":
        return SendError(
            "The WhatsApp session of this line is not running (WPPConnect: Disconnected).",
            code="disconnected",
            retryable=True,
        )
    if status == 401:
        return SendError(
            "WPPConnect Server refused the token (check WPPCONNECT_SECRET_KEY and the session).",
            code="unauthorized",
            retryable=False,
        )
    if status == 400 and "não existe" in detail:  # "O número ... não existe."
        return SendError("This number is not on WhatsApp.", code="not_on_whatsapp", retryable=False)
    return SendError(reason, code=f"http_{status}", retryable=False)
