"""SSRF: unless WEBHOOKS_ALLOW_PRIVATE_TARGETS, a webhook goes to public addresses only, checked
when the subscription is saved and again before every attempt (docs/adr/0028)."""

import pytest

from ventanilla.core.errors import InvalidInput
from ventanilla.integrations import services, targets

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_targets_are_refused(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(InvalidInput) as refused:
        services.subscription_create(url=url, events=["contact.created"])

    assert list(refused.value.errors) == ["url"]


def test_a_public_address_is_accepted(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    assert targets.address_problem("https://93.184.216.34/hook") is None
    assert targets.url_problem("https://user:pw@example.com/") is not None
    assert targets.url_problem("https://example.com:99999/") is not None


def test_a_target_that_became_private_is_not_called(settings, subscribe, receiver):
    subscription = subscribe(["contact.created"])  # allowed while the setting was on
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    ping = services.subscription_ping(subscription=subscription)

    assert ping.status == "failed"
    assert "privada" in ping.last_answer
    assert receiver.requests == []


def test_redirects_are_not_followed(subscribe, receiver):
    receiver.fail_next(302, body=b"")
    ping = services.subscription_ping(subscription=subscribe(["contact.created"]))

    assert (ping.status, ping.last_status_code) == ("failed", 302)
    assert len(receiver.requests) == 1
