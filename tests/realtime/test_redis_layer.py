"""The scaled mode's channel layer (Redis pub/sub) carries the same events."""

import pytest
from asgiref.sync import sync_to_async

from tests.sockets import open_console, read_frames

pytestmark = pytest.mark.django_db(transaction=True)


async def test_message_event_arrives_over_redis_once(redis_layer, admin, sandbox_line):
    from channels.layers import get_channel_layer

    from ventanilla.inbound import sandbox

    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"
    console = await open_console(admin)

    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="Ana", text="por redis", message_id="r1"
    )

    frames = await read_frames(console, wait=1.0)
    assert [f["event"] for f in frames] == ["conversation:incoming", "message:new"]
    assert frames[1]["data"]["text"] == "por redis"
    await console.disconnect()
