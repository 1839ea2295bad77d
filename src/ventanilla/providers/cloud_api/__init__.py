"""WhatsApp Cloud API (Meta) provider: webhook signature, tolerant parser, httpx client.

Pure provider layer: no models, no database; it only knows `ventanilla.providers.base`.
"""

from ventanilla.providers.cloud_api.client import CloudApiClient, build_message_body
from ventanilla.providers.cloud_api.errors import error_from_response
from ventanilla.providers.cloud_api.parser import parse_webhook, parse_webhook_body
from ventanilla.providers.cloud_api.signature import (
    SIGNATURE_HEADER,
    compute_signature,
    verify_challenge,
    verify_signature,
)

__all__ = [
    "SIGNATURE_HEADER",
    "CloudApiClient",
    "build_message_body",
    "compute_signature",
    "error_from_response",
    "parse_webhook",
    "parse_webhook_body",
    "verify_challenge",
    "verify_signature",
]
