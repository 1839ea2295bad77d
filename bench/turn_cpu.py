"""The desk's own CPU per customer message, in one thread, without the HTTP around it: the demo
flow's customers (bench/roundtrip.py SCRIPT: "Hola", the DNI, "3", "Hola" again) stored through
the Cloud API door's handler, each bot reply sent at commit to the suite's fake Graph (inline, as
the tests run it), then a `delivered` and a `read` status of every reply. `time.thread_time`
counts this thread only, so the figure holds on a busy machine; compare two commits back to back.

    uv run pytest -q -s -p no:cacheprovider bench/turn_cpu.py

SQLite in memory (the suite's test database), or what DATABASE_URL says.
"""

import json
import time

import pytest

from tests.conftest import _fast_and_immediate  # noqa: F401 (the suite's settings)
from tests.fakes.cloud_api import CLOUD_APP_SECRET, cloud_line, fake_cloud_api, sign  # noqa: F401
from tests.inbound.cloud_posts import cloud_webhook
from ventanilla.api.webhooks import handle_cloud_posts
from ventanilla.conversations.models import Direction, Message
from ventanilla.inbound import pipeline
from ventanilla.providers.base import ParsedWebhook, StatusUpdate
from ventanilla.runtime import demo

pytestmark = pytest.mark.django_db(transaction=True)

WARMUP, CUSTOMERS = 5, 60


def _writes(customer: int, turn: int, text: str) -> None:
    body = cloud_webhook(
        {"id": f"wamid.cpu.{customer}.{turn}", "type": "text", "text": {"body": text}},
        phone=f"5493510{customer:06d}",
    )
    raw = json.dumps(body).encode()
    [(status, _)] = handle_cloud_posts([(raw, sign(raw, CLOUD_APP_SECRET))])
    assert status == 200


def _customer(number: int) -> float:
    """Thread CPU seconds of one customer's four messages."""
    spent = 0.0
    for turn, text in enumerate(["Hola", f"30{number:06d}", "3", "Hola"]):
        start = time.thread_time()
        _writes(number, turn, text)
        spent += time.thread_time() - start
    return spent


def test_cpu_per_customer_message(cloud_line):  # noqa: F811 (the fixture imported above)
    demo.load()
    for number in range(WARMUP):
        _customer(number)
    first_reply = Message.objects.order_by("-pk").values_list("pk", flat=True).first()
    messages = 4 * CUSTOMERS
    spent = sum(_customer(number) for number in range(WARMUP, WARMUP + CUSTOMERS))
    replies = Message.objects.filter(
        pk__gt=first_reply, direction=Direction.OUT, provider_id__isnull=False
    ).values_list("provider_id", flat=True)
    statuses, status_spent = 0, 0.0
    for status in ("delivered", "read"):
        for provider_id in replies:
            update = StatusUpdate(provider_message_id=provider_id, status=status)
            start = time.thread_time()
            pipeline.receive_many([(lambda key: cloud_line, ParsedWebhook(statuses=[update]))])
            status_spent += time.thread_time() - start
            statuses += 1
    print(
        f"\nturn_cpu: {messages} customer messages, {1000 * spent / messages:.2f} ms each "
        f"(stored, the bot's turn, its replies sent); {statuses} statuses, "
        f"{1000 * status_spent / statuses:.3f} ms each"
    )
