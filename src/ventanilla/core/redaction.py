"""Secrets that travel in URLs, kept out of the logs: the WPPConnect webhook's token (a path
segment) and the Cloud API's `hub.verify_token` (a query parameter of Meta's verification)."""

import logging
import re

REDACTED = "[redacted]"
# the loggers that print request paths: uvicorn's access log, its socket lines, Django's 4xx/5xx
LOGGERS = ("uvicorn.access", "uvicorn.error", "django.request")

_SECRETS = [
    (re.compile(r"(/webhooks/whatsapp/wppconnect/)[^/?#\s\"]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(hub(?:\.|%2e)verify_token=)[^&#\s\"]*", re.IGNORECASE), rf"\g<1>{REDACTED}"),
]


def redacted(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _redacted_arg(value):
    return redacted(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Redacts a record's message and each of its arguments in place, keeping their shape (uvicorn's
    access formatter takes the arguments apart)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted_arg(value) for key, value in record.args.items()}
        return True


def redact_secrets_in_logs() -> None:
    """Installs the filter on LOGGERS, once; their handlers may be configured before or after."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(each, RedactSecrets) for each in logger.filters):
            logger.addFilter(RedactSecrets())
