import uuid

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def redis_layer(settings):
    """The scaled mode's channel layer: Redis pub/sub, under a prefix of this test's own."""
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
