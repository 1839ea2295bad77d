"""CPU per inbound message on the webhook handler, in-process (no HTTP server, no load generator).

Calls the handler the HTTP doors call (`api.webhooks.handle_cloud_posts`, `--batch` webhooks at a
time) with signed one-message webhooks from 200 known customers, and reports wall and CPU ms per
message and the statements per message. Useful to compare changes on a busy machine: CPU time
moves far less than wall time when other processes compete for the cores.

    psql -h127.0.0.1 -Upostgres -c 'create database vt_cpu_bench'
    uv run python bench/ingest_cpu.py --database-url postgres://postgres@127.0.0.1:5432/vt_cpu_bench
    psql -h127.0.0.1 -Upostgres -c 'drop database vt_cpu_bench'

Without --database-url it uses SQLite in a temporary directory. The database must be one for
benchmarks only.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest import CLOUD_LINE_ENV, PHONE_NUMBER_ID, signature, webhook  # noqa: E402


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ["VENTANILLA_DATA_DIR"] = tempfile.mkdtemp(prefix="ventanilla-cpu-")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    os.environ.update(CLOUD_LINE_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ventanilla.providers.services import line_sync_default_from_settings

    line_sync_default_from_settings()


def status_webhook(provider_id: str, phone: str, status: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [
            {
                "id": provider_id,
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": phone,
            }
        ],
    }
    change = {"field": "messages", "value": value}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    return json.dumps(body).encode()


def agent_replies(phones: list[str], count: int, tag: int) -> list[tuple[str, str]]:
    """`count` replies already sent by an agent, as (provider id, recipient phone)."""
    from ventanilla.accounts.models import Role
    from ventanilla.accounts.services import user_create
    from ventanilla.conversations.models import Conversation, Message

    agent = user_create(
        username=f"agent{tag}", password="Bench-Password-2026", role=Role.OPERATOR, name="Ana"
    )
    conversations = list(Conversation.objects.order_by("pk"))
    replies, rows = [], []
    for index in range(count):
        phone = phones[index % len(phones)]  # the recipient only; statuses go by provider id
        conversation = conversations[index % len(conversations)]
        provider_id = f"wamid.out.{tag}.{index}"
        rows.append(
            Message(
                conversation=conversation,
                line=conversation.line,
                direction="out",
                sender_type="agent",
                sender_user=agent,
                text=f"respuesta {index}",
                provider_id=provider_id,
                status="sent",
                status_history=[{"status": "sent", "at": "2026-11-29T12:00:00+00:00"}],
                created_at=conversation.created_at,
            )
        )
        replies.append((provider_id, phone))
    Message.objects.bulk_create(rows)
    return replies


def run(messages: int, customers: int, batch: int = 1, statuses: bool = False) -> dict:
    from django.db import connection

    from ventanilla.api.webhooks import handle_cloud_post, handle_cloud_posts

    phones = [f"54935166{n:05d}" for n in range(customers)]
    tag = time.time_ns()
    for index, phone in enumerate(phones):  # warm-up: contacts and open conversations
        body = webhook(f"wamid.warm.{tag}.{index}", phone, "hola")
        assert handle_cloud_post(body, signature(body))[0] == 200
    bodies = []
    if statuses:  # each reply delivered, then read: two status webhooks per reply
        replies = agent_replies(phones, messages // 2, tag)
        for status in ("delivered", "read"):
            for provider_id, phone in replies:
                body = status_webhook(provider_id, phone, status)
                bodies.append((body, signature(body)))
    for index in range(0 if statuses else messages):
        body = webhook(f"wamid.cpu.{tag}.{index}", phones[index % customers], f"mensaje {index}")
        bodies.append((body, signature(body)))
    walls, cpus = [], []
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        for start in range(0, len(bodies), batch):
            posts = bodies[start : start + batch]
            wall, cpu = time.perf_counter(), time.process_time()
            answers = handle_cloud_posts(posts)
            cpus.append((time.process_time() - cpu) / len(posts))
            walls.append((time.perf_counter() - wall) / len(posts))
            assert [status for status, _ in answers] == [200] * len(posts), answers
    return {
        "database": connection.vendor,
        "messages": messages,
        "batch": batch,
        "wall_ms_mean": round(statistics.fmean(walls) * 1000, 2),
        "wall_ms_median": round(statistics.median(walls) * 1000, 2),
        "cpu_ms_mean": round(statistics.fmean(cpus) * 1000, 2),
        "webhooks": "statuses" if statuses else "messages",
        "statements_per_message": round(statements / messages, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1, help="webhooks stored per transaction")
    parser.add_argument("--profile", help="write a cProfile of the timed part to this file")
    parser.add_argument(
        "--statuses", action="store_true", help="delivered and read statuses of agents' replies"
    )
    args = parser.parse_args()
    setup_django(args.database_url, args.redis_url)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
        result = profiler.runcall(run, args.messages, args.customers, args.batch, args.statuses)
        print(result, flush=True)
        profiler.dump_stats(args.profile)
    else:
        print(run(args.messages, args.customers, args.batch, args.statuses), flush=True)


if __name__ == "__main__":
    main()
