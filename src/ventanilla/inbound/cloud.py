"""The WhatsApp Cloud API side of the inbound pipeline."""

import hmac

from ventanilla.core.cache import ProcessCache
from ventanilla.inbound import pipeline
from ventanilla.providers.base import ParsedWebhook
from ventanilla.providers.cloud_api.parser import parse_webhook, template_status_updates
from ventanilla.providers.cloud_api.signature import verify_signature
from ventanilla.providers.models import Line, Provider
from ventanilla.providers.services import template_status_apply


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


def _read_cloud_lines() -> list[Line]:
    return list(Line.objects.filter(provider=Provider.CLOUD).exclude(cloud_app_secret=""))


# every webhook needs them; a changed secret or a new line takes effect within the delay
_cloud_lines = ProcessCache(_read_cloud_lines, seconds=LINES_CACHE_SECONDS)


def forget_cached_lines() -> None:
    _cloud_lines.forget()


def lines_signed_for(raw_body: bytes, signature: str | None) -> list[Line]:
    """The Cloud API lines whose app secret signed this body (checked before any parsing)."""
    if not signature:
        return []
    lines = _cloud_lines.get()
    secrets = {line.cloud_app_secret for line in lines}
    good = {secret for secret in secrets if verify_signature(raw_body, signature, secret)}
    return [line for line in lines if line.cloud_app_secret in good]


def webhook_for(body, lines: list[Line]) -> tuple[pipeline.LineFor, ParsedWebhook]:
    """What the pipeline needs of a verified body: its lines by phone number id, and its parts."""
    by_number = {line.cloud_phone_number_id: line for line in lines if line.cloud_phone_number_id}
    return by_number.get, parse_webhook(body)


def receive_many(webhooks: list[tuple[object, list[Line]]]) -> list[dict | Exception]:
    """Verified bodies with their lines, stored together (see pipeline.receive_many); a
    template's new review status is applied to the signing lines' stored templates."""
    results = pipeline.receive_many([webhook_for(body, lines) for body, lines in webhooks])
    for index, (body, lines) in enumerate(webhooks):
        updates = template_status_updates(body)
        if not updates or isinstance(results[index], Exception):
            continue
        try:
            changed = sum(template_status_apply(lines=lines, **update) for update in updates)
        except Exception as error:  # e.g. the database is unreachable: Meta retries
            results[index] = error
        else:
            results[index] = {**results[index], "templates_updated": changed}
    return results
