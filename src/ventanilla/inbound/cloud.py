"""The WhatsApp Cloud API side of the inbound pipeline."""

import hmac

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


def lines_signed_for(raw_body: bytes, signature: str | None) -> list[Line]:
    """The Cloud API lines whose app secret signed this body (checked before any parsing)."""
    if not signature:
        return []
    lines = list(Line.objects.filter(provider=Provider.CLOUD).exclude(cloud_app_secret=""))
    secrets = {line.cloud_app_secret for line in lines}
    good = {secret for secret in secrets if verify_signature(raw_body, signature, secret)}
    return [line for line in lines if line.cloud_app_secret in good]


def receive(body, lines: list[Line]) -> dict:
    by_number = {line.cloud_phone_number_id: line for line in lines if line.cloud_phone_number_id}
    return pipeline.receive(line_for=by_number.get, parsed=parse_webhook(body))
