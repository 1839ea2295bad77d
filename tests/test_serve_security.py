"""What a real `ventanilla serve` believes and prints (issue 13, findings 7 and 8): which client
address the sign-in throttle counts, and that its logs keep the webhooks' secrets out."""

import logging
import re
import time

import httpx
import pytest

from tests.servers import serving

WEBHOOK_TOKEN = "wpp-webhook-secret-7f3a"
VERIFY_TOKEN = "cloud-verify-secret-91c2"


@pytest.fixture
def served(tmp_path, request, monkeypatch):
    """`ventanilla serve` on a fresh data folder with the given environment: its URL and log."""
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    with serving(tmp_path, PYTHONUNBUFFERED="1", **request.param) as answer:
        yield answer


def _failed_sign_ins(base: str, forwarded_for: list[str], *, name: str = "guess") -> list[int]:
    """One wrong password per address, each for another name; the answers' statuses."""
    with httpx.Client(base_url=base) as client:
        csrf = client.get("/api/auth/csrf")
        # the cookie is Secure, which httpx sends only over https: passed on by hand
        headers = {
            "X-CSRFToken": csrf.json()["csrf_token"],
            "Cookie": f"ventanilla_csrftoken={csrf.cookies['ventanilla_csrftoken']}",
        }
        return [
            client.post(
                "/api/auth/login",
                json={"username": f"{name}{n}", "password": "bad"},
                headers={**headers, "X-Forwarded-For": address},
            ).status_code
            for n, address in enumerate(forwarded_for)
        ]


# one guess per name, four per address
THROTTLE = {"LOGIN_THROTTLE_MAX_FAILURES": "1"}


@pytest.mark.parametrize("served", [THROTTLE], indirect=True)
def test_finding_7_a_forged_x_forwarded_for_does_not_reset_the_address_limit(served):
    base, _ = served
    # when one client (no TRUSTED_PROXIES: nobody's X-Forwarded-For is believed) tries five names,
    # claiming another address each time
    statuses = _failed_sign_ins(base, [f"198.51.100.{n}" for n in range(5)])
    # then its own address is throttled all the same
    assert statuses == [401, 401, 401, 401, 429]


@pytest.mark.parametrize(
    "served", [{**THROTTLE, "TRUSTED_PROXIES": "127.0.0.1,::1"}], indirect=True
)
def test_behind_a_trusted_proxy_the_served_desk_counts_each_client_apart(served):
    base, _ = served
    # when, through a trusted proxy (on 127.0.0.1), one client forges an address in front of the
    # one the proxy appends, five times, and then another client tries once
    one = _failed_sign_ins(base, [f"198.51.100.{n}, 203.0.113.7" for n in range(5)])
    other = _failed_sign_ins(base, ["203.0.113.8"], name="other")
    # then the first is throttled by its real address, and the second is not
    assert (one, other) == ([401, 401, 401, 401, 429], [401])


WPPCONNECT = {
    "WHATSAPP_PROVIDER": "wppconnect",
    "WPPCONNECT_URL": "http://127.0.0.1:9",  # nothing is sent anywhere in this test
    "WPPCONNECT_SECRET_KEY": "secret-key",
    "WPPCONNECT_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
}


def _logged_requests(log, count: int) -> list[str]:
    """The request lines of the access log about webhooks, once `count` of them are written."""
    deadline = time.monotonic() + 10
    while True:
        lines = re.findall(r' - "(\S+ /webhooks/.*)$', log.read_text(), re.MULTILINE)
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.mark.parametrize("served", [WPPCONNECT], indirect=True)
def test_finding_8_the_logs_show_no_webhook_token(served):
    base, log = served
    # when WPPConnect posts to its secret webhook URL (a body that is no JSON: Django logs it too),
    # and Meta verifies the Cloud API webhook with its verify token
    with httpx.Client(base_url=base) as providers:
        posted = providers.post(f"/webhooks/whatsapp/wppconnect/{WEBHOOK_TOKEN}", content=b"{")
        verified = providers.get(
            "/webhooks/whatsapp/cloud",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "7",
            },
        )
    # then the access log shows the requests with both secrets redacted
    assert (posted.status_code, verified.status_code) == (400, 403)
    assert _logged_requests(log, 2) == [
        'POST /webhooks/whatsapp/wppconnect/[redacted] HTTP/1.1" 400 Bad Request',
        "GET /webhooks/whatsapp/cloud?hub.mode=subscribe&hub.verify_token=[redacted]"
        '&hub.challenge=7 HTTP/1.1" 403 Forbidden',
    ]
    # and no other line of the log has them either (Django's warning about the 400 included)
    printed = log.read_text()
    assert "Bad Request: /webhooks/whatsapp/wppconnect/[redacted]" in printed
    assert WEBHOOK_TOKEN not in printed
    assert VERIFY_TOKEN not in printed


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/webhooks/whatsapp/wppconnect/abc-123", "/webhooks/whatsapp/wppconnect/[redacted]"),
        ("/webhooks/whatsapp/wppconnect/abc?x=1", "/webhooks/whatsapp/wppconnect/[redacted]?x=1"),
        (
            "/webhooks/whatsapp/cloud?hub.verify_token=s3cret&hub.challenge=7",
            "/webhooks/whatsapp/cloud?hub.verify_token=[redacted]&hub.challenge=7",
        ),
        (
            "/webhooks/whatsapp/cloud?hub%2Everify_token=s3cret",
            "/webhooks/whatsapp/cloud?hub%2Everify_token=[redacted]",
        ),
        ("/api/conversations?status=active", "/api/conversations?status=active"),
    ],
)
def test_the_log_filter_redacts_the_arguments_uvicorn_and_django_log(path, shown):
    from ventanilla.core.redaction import RedactSecrets

    def record(name, msg, args):
        return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)

    access = record(
        "uvicorn.access", '%s - "%s %s HTTP/%s" %d', ("1.2.3.4:5", "GET", path, "1.1", 200)
    )
    django = record("django.request", "%s: %s", ("Bad Request", path))

    assert RedactSecrets().filter(access) is True
    assert RedactSecrets().filter(django) is True
    assert access.args == ("1.2.3.4:5", "GET", shown, "1.1", 200)
    assert django.getMessage() == f"Bad Request: {shown}"
