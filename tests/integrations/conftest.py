import pytest

from tests.fakes.webhook_receiver import receiver  # noqa: F401 (a fixture)
from ventanilla.integrations import services
from ventanilla.integrations.models import WebhookEvent

ALL_EVENTS = list(WebhookEvent.values)
SECRET = "a-long-enough-test-secret"


@pytest.fixture
def subscribe(receiver):  # noqa: F811
    """`subscribe(events)`: a subscription of the receiver to those events."""

    def make(events=ALL_EVENTS, **fields):
        fields.setdefault("secret", SECRET)
        return services.subscription_create(url=f"{receiver.url}/hook", events=events, **fields)

    return make
