"""The signature of a delivery: `sha256=` and the hex HMAC-SHA256, keyed by the subscription's
secret, of the timestamp, a dot and the body exactly as sent (docs/integrations.md)."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Ventanilla-Signature"
TIMESTAMP_HEADER = "X-Ventanilla-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
