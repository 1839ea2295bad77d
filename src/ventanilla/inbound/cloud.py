"""The WhatsApp Cloud API side of the inbound pipeline."""

import hmac
import time

from ventanilla.inbound import pipeline
from ventanilla.providers.cloud_api.parser import parse_webhook
from ventanilla.providers.cloud_api.signature import verify_signature
from ventanilla.providers.models import Line, Provider


def verification_challenge(*, mode: str, token: str, challenge: str) -> str | None:
    """Meta's GET handshake: the challenge back when the verify token is one of our lines'."""
    if mode != "subscribe" or not token:
        return None
    tokens = Line.objects.filter(provider=Provider.CLOUD).exclude(cloud_verify_token="")
    for expected in tokens.values_list("cloud_verify_token", flat=True):
        if hmac.compare_digest(expected.encode(), token.encode()):
            return challenge
    return None


LINES_CACHE_SECONDS = 5.0
_lines_cache: tuple[float, list[Line]] = (0.0, [])


def _cloud_lines() -> list[Line]:
    """The Cloud API lines, re-read at most every few seconds: every webhook needs them, and a
    changed secret or a new line takes effect within LINES_CACHE_SECONDS in every process."""
    global _lines_cache
    read_at, lines = _lines_cache
    if time.monotonic() - read_at > LINES_CACHE_SECONDS:
        lines = list(Line.objects.filter(provider=Provider.CLOUD).exclude(cloud_app_secret=""))
        _lines_cache = (time.monotonic(), lines)
    return lines


def forget_cached_lines() -> None:
    global _lines_cache
    _lines_cache = (0.0, [])


def lines_signed_for(raw_body: bytes, signature: str | None) -> list[Line]:
    """The Cloud API lines whose app secret signed this body (checked before any parsing)."""
    if not signature:
        return []
    lines = _cloud_lines()
    secrets = {line.cloud_app_secret for line in lines}
    good = {secret for secret in secrets if verify_signature(raw_body, signature, secret)}
    return [line for line in lines if line.cloud_app_secret in good]


def receive(body, lines: list[Line]) -> dict:
    by_number = {line.cloud_phone_number_id: line for line in lines if line.cloud_phone_number_id}
    return pipeline.receive(line_for=by_number.get, parsed=parse_webhook(body))
