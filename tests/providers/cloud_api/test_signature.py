import pytest

from tests.fakes.cloud_api import sign
from ventanilla.providers.cloud_api.signature import (
    compute_signature,
    verify_challenge,
    verify_signature,
)

SECRET = "app-secret-123"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_valid_signature_is_accepted():
    # given a body signed with the app secret as Meta does
    header = sign(BODY, SECRET)

    # when verified / then it is valid
    assert verify_signature(BODY, header, SECRET) is True


def test_known_vector():
    # given a fixed body and secret
    # when signed / then the digest is the HMAC-SHA256 hex computed independently
    assert compute_signature(b"hello", "secret") == (
        "sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b"
    )


def test_uppercase_hex_and_surrounding_spaces_are_accepted():
    # given a correct signature written in upper-case hex with spaces around
    header = "  sha256=" + sign(BODY, SECRET).removeprefix("sha256=").upper() + " "

    # then it is still valid
    assert verify_signature(BODY, header, SECRET) is True


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha1=" + "0" * 40,
        "sha256=" + "0" * 64,
        "sha256=" + "z" * 64,
        "sha256=" + "ab" * 31,
        "deadbeef",
        sign(BODY, "another-secret"),
        sign(BODY + b" ", SECRET),
    ],
)
def test_bad_signatures_are_rejected(header):
    # given a missing, malformed or wrong header
    # then it is not valid
    assert verify_signature(BODY, header, SECRET) is False


def test_empty_secret_never_verifies():
    # given a body "signed" with an empty secret
    header = compute_signature(BODY, "")

    # then it is rejected: an unconfigured line must not accept anything
    assert verify_signature(BODY, header, "") is False


def test_body_is_checked_byte_for_byte():
    # given the same JSON re-serialised with different spacing
    header = sign(BODY, SECRET)
    reformatted = b'{"object": "whatsapp_business_account", "entry": []}'

    # then the signature does not match it
    assert verify_signature(reformatted, header, SECRET) is False


def test_challenge_is_echoed_for_the_right_token():
    # given Meta's subscription handshake with the configured verify token
    # then the challenge comes back
    assert verify_challenge("subscribe", "verify-me", "1158201444", "verify-me") == "1158201444"


@pytest.mark.parametrize(
    ("mode", "token", "challenge", "configured"),
    [
        ("subscribe", "wrong", "1", "verify-me"),
        ("unsubscribe", "verify-me", "1", "verify-me"),
        (None, "verify-me", "1", "verify-me"),
        ("subscribe", None, "1", "verify-me"),
        ("subscribe", "verify-me", None, "verify-me"),
        ("subscribe", "", "1", ""),
    ],
)
def test_challenge_is_refused_otherwise(mode, token, challenge, configured):
    # given a handshake with a wrong mode, token or no challenge, or no configured token
    # then there is nothing to echo (the view answers 403)
    assert verify_challenge(mode, token, challenge, configured) is None
