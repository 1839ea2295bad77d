"""The scaled mode's channel layer (Redis pub/sub) carries the same events."""

import uuid

import pytest
import redis
from asgiref.sync import sync_to_async

from tests.realtime.test_live_events import _console, _frames

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def redis_layer(settings):
    redis.Redis.from_url(REDIS_URL).ping()  # CI starts Redis; a missing server fails loudly
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # a prefix of its own: another run sharing this Redis must not hear these events
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"ventanilla-test-{uuid.uuid4().hex[:8]}"},
        }
    }
    yield
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def test_message_event_arrives_over_redis_once(redis_layer, admin, sandbox_line):
    from channels.layers import get_channel_layer

    from ventanilla.inbound import sandbox

    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"
    console = await _console(admin)

    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="Ana", text="por redis", message_id="r1"
    )

    frames = await _frames(console, wait=1.0)
    assert [f["event"] for f in frames] == ["conversation:incoming", "message:new"]
    assert frames[1]["data"]["text"] == "por redis"
    await console.disconnect()
