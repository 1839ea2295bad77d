"""Analytics summary: GET /api/analytics/summary?days=30 over 100,000 conversations, timed.

Fills a benchmark database (migrated first) with N conversations (default 100,000) spread over the
last 90 days, about 3 messages each (~300,000), in bulk_create chunks: a realistic mix of bot-only
closures, queued and assigned conversations over 4 areas and 20 agents. Then times the whole
summary (selector plus JSON encoding, as the endpoint does) for an admin and for a supervisor of
two areas, 5 runs each after one warm-up, and reports the median.
Target (issue #6): under 500 ms on PostgreSQL. Results go to bench/results/analytics-<label>.json.

    psql -h127.0.0.1 -Upostgres -c 'create database vt_h10_bench'
    uv run python bench/analytics.py --label postgres \
        --database-url postgres://postgres@127.0.0.1:5432/vt_h10_bench
    psql -h127.0.0.1 -Upostgres -c 'drop database vt_h10_bench'

The database must be one for benchmarks only: its conversations, messages and contacts are
deleted before filling it.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHUNK = 5000


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(conversations: int, seed: int = 6) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import Area, Role, User
    from ventanilla.contacts.models import Contact
    from ventanilla.conversations.models import Conversation, Message
    from ventanilla.providers.models import Line

    rng = random.Random(seed)
    if connection.vendor == "postgresql":  # the ORM's cascade collects 300,000 ids in one query
        tables = [model._meta.db_table for model in (Message, Conversation, Contact)]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    else:
        Message.objects.all().delete()
        Conversation.objects.all().delete()
        Contact.objects.all().delete()
    line = Line.objects.filter(provider="sandbox").first() or Line.objects.create(
        provider="sandbox", display_name="Bench"
    )
    areas = []
    for name in ("Ventas", "Soporte", "Cobranzas", "Reclamos"):
        areas.append(Area.objects.filter(name=name).first() or accounts.area_create(name=name))
    agents = []
    for index in range(20):
        username = f"bench-agent-{index}"
        agent = User.objects.filter(username=username).first() or accounts.user_create(
            username=username, password="x" * 16, role=Role.OPERATOR,
            area_ids=[areas[index % 4].pk],
        )  # fmt: skip
        agents.append(agent)
    admin = User.objects.filter(username="bench-admin").first() or accounts.user_create(
        username="bench-admin", password="x" * 16, role=Role.ADMIN, area_ids=[]
    )
    supervisor = User.objects.filter(username="bench-supervisor").first() or (
        accounts.user_create(
            username="bench-supervisor", password="x" * 16, role=Role.SUPERVISOR,
            area_ids=[areas[0].pk, areas[1].pk],
        )
    )  # fmt: skip
    contacts = Contact.objects.bulk_create(
        [Contact(name=f"Cliente {n}", phone=f"+5493516{n:06d}") for n in range(5000)]
    )
    now = timezone.now()
    started = time.perf_counter()
    made_messages = 0
    for first in range(0, conversations, CHUNK):
        rows, plans = [], []
        for _ in range(first, min(first + CHUNK, conversations)):
            created = now - timedelta(seconds=rng.uniform(0, 90 * 86400))
            age = (now - created).total_seconds()
            kind = rng.random()
            area = agent = queued = assigned = closed = None
            if kind < 0.3:  # the bot alone
                status = "bot" if age < 3600 else "closed"
            else:
                agent = rng.choice(agents)
                area = areas[agents.index(agent) % 4]
                queued = created + timedelta(seconds=rng.uniform(5, 120))
                assigned = queued + timedelta(seconds=rng.expovariate(1 / 300))
                status = "active" if age < 2 * 86400 and kind < 0.4 else "closed"
                if assigned > now:
                    assigned, agent, status = None, None, "queued"
            if status == "closed":
                closed = (assigned or created) + timedelta(seconds=rng.expovariate(1 / 3600))
                if closed > now:
                    closed, status = None, ("active" if assigned else "bot")
            texts = [("in", "contact", created), ("out", "bot", created + timedelta(seconds=2))]
            if assigned is not None:
                texts.append(("out", "agent", assigned + timedelta(seconds=rng.uniform(10, 600))))
            else:
                texts.append(("in", "contact", created + timedelta(seconds=30)))
            texts = [text for text in texts if text[2] <= now]
            rows.append(
                Conversation(
                    line=line, contact=rng.choice(contacts), status=status, area=area,
                    assigned_to=agent, bot_active=agent is None, created_at=created,
                    queued_at=queued, assigned_at=assigned, closed_at=closed,
                    last_activity_at=max([created, *(when for _, _, when in texts)]),
                )
            )  # fmt: skip
            plans.append(texts)
        with transaction.atomic():
            Conversation.objects.bulk_create(rows)
            messages = [
                Message(
                    conversation=row, line=line, direction=direction, sender_type=sender,
                    sender_user=row.assigned_to if sender == "agent" else None, text="hola",
                    status="received" if direction == "in" else "sent", created_at=when,
                )
                for row, texts in zip(rows, plans, strict=True)
                for direction, sender, when in texts
            ]  # fmt: skip
            Message.objects.bulk_create(messages, batch_size=CHUNK)
            made_messages += len(messages)
        print(f"  {first + len(rows):>7} conversations", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "admin": admin,
        "supervisor": supervisor,
        "conversations": conversations,
        "messages": made_messages,
        "fill_seconds": round(time.perf_counter() - started, 1),
    }


def time_summary(user, days: int, runs: int) -> dict:
    from django.core.serializers.json import DjangoJSONEncoder

    from ventanilla.analytics import selectors

    def once() -> float:
        started = time.perf_counter()
        json.dumps(selectors.summary(user=user, days=days), cls=DjangoJSONEncoder)
        return (time.perf_counter() - started) * 1000

    once()  # warm-up: connection, caches
    timings = [once() for _ in range(runs)]
    return {
        "median_ms": round(statistics.median(timings), 1),
        "runs_ms": [round(t, 1) for t in timings],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="postgres")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    setup_django(args.database_url)
    filled = fill(args.conversations)
    result = {
        "label": args.label,
        "python": platform.python_version(),
        "conversations": filled["conversations"],
        "messages": filled["messages"],
        "fill_seconds": filled["fill_seconds"],
        "days": args.days,
        "admin": time_summary(filled["admin"], args.days, args.runs),
        "supervisor": time_summary(filled["supervisor"], args.days, args.runs),
    }
    print(json.dumps(result), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"analytics-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
