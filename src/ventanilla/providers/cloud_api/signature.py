"""Authenticating what Meta sends us: the payload signature and the subscription handshake."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def compute_signature(raw_body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `raw_body` (`sha256=<hex>`)."""
    digest = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """True only when `header` is `sha256=<hex>` of `raw_body` under `app_secret`.

    Check it on the raw bytes before parsing: re-serialised JSON does not keep the signature.
    A missing or malformed header, or an empty secret, is never valid.
    """
    if not app_secret or not isinstance(header, str) or not isinstance(raw_body, bytes | bytearray):
        return False
    header = header.strip()
    if header[: len(_PREFIX)].lower() != _PREFIX:
        return False
    given = header[len(_PREFIX) :].lower()
    if len(given) != 64 or not set(given) <= _HEX_DIGITS:
        return False
    expected = compute_signature(bytes(raw_body), app_secret)[len(_PREFIX) :]
    return hmac.compare_digest(given, expected)


def verify_challenge(
    mode: str | None, token: str | None, challenge: str | None, verify_token: str
) -> str | None:
    """Meta's GET handshake: the challenge to echo back (200 text/plain), or None (answer 403)."""
    if mode != "subscribe" or not verify_token or not isinstance(token, str):
        return None
    if challenge is None or not isinstance(challenge, str):
        return None
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    return challenge
