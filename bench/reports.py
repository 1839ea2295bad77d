"""The reports page: GET /dashboard/?period=30d over 1,000,000 messages and 100,000 conversations
on PostgreSQL, server time (issue 18: under 300 ms).

Fills a benchmark database (migrated first) with N conversations (default 100,000) spread over
the last `--spread-days` days (default 90), about M messages each (default 10: ~1,000,000), in
bulk chunks: bot-only closures, queued and assigned conversations over 4 areas and 20 agents, and
the bot's exits of a 5-node flow. Then, signed in as an admin and as a supervisor of two areas,
times the whole page (Django's test client: middleware, session, the report's queries, the
template; no network) and the report alone (selector plus JSON, as GET /api/analytics/report
does), one warm-up then `--runs` runs each, and reports the medians. `--explain` prints
PostgreSQL's plan (EXPLAIN ANALYZE) of every query of one report.

    psql -h127.0.0.1 -Upostgres -c 'create database vt_reports_bench'
    uv run python bench/reports.py --label postgres \\
        --database-url postgres://postgres@127.0.0.1:5432/vt_reports_bench
    psql -h127.0.0.1 -Upostgres -c 'drop database vt_reports_bench'

Small scale (a check that it works, not a figure): `--conversations 2000 --messages 10`.
The database must be one for benchmarks only: its conversations, messages, contacts and flows
are deleted before filling it. Results go to bench/results/reports-<label>.json.
"""

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analytics import RESULTS, setup_django  # bench/analytics.py

CHUNK = 5000
EXITS = ("redirect", "redirect", "redirect", "end", "fallback")  # by the flow's nodes below


def _empty() -> None:
    from django.db import connection

    from ventanilla.contacts.models import Contact
    from ventanilla.conversations.models import Conversation, ConversationEvent, Message
    from ventanilla.flows.models import Flow

    models = (Message, ConversationEvent, Conversation, Contact)
    if connection.vendor == "postgresql":  # the ORM's cascade would collect a million ids
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in models)} CASCADE")
    else:
        for model in models:
            model.objects.all().delete()
    Flow.objects.all().delete()


def _people():
    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import Area, Role, User

    areas = [
        Area.objects.filter(name=name).first() or accounts.area_create(name=name)
        for name in ("Ventas", "Soporte", "Cobranzas", "Reclamos")
    ]
    agents = [
        User.objects.filter(username=f"bench-agent-{n}").first()
        or accounts.user_create(
            username=f"bench-agent-{n}", password="x" * 16, role=Role.OPERATOR,
            area_ids=[areas[n % 4].pk], name=f"Agente {n}",
        )
        for n in range(20)
    ]  # fmt: skip
    admin = User.objects.filter(username="bench-admin").first() or accounts.user_create(
        username="bench-admin", password="x" * 16, role=Role.ADMIN, area_ids=[]
    )
    supervisor = User.objects.filter(username="bench-supervisor").first() or (
        accounts.user_create(
            username="bench-supervisor", password="x" * 16, role=Role.SUPERVISOR,
            area_ids=[areas[0].pk, areas[1].pk],
        )
    )  # fmt: skip
    return areas, agents, admin, supervisor


def _flow(areas) -> list:
    from ventanilla.flows.models import Flow, Node

    flow = Flow.objects.create(name="Bienvenida")
    menu = Node.objects.create(flow=flow, type="menu", text="¿En qué te ayudamos?")
    nodes = [
        Node.objects.create(flow=flow, parent=menu, type="redirect", label=area.name, area=area)
        for area in areas[:3]
    ]
    nodes.append(Node.objects.create(flow=flow, parent=menu, type="end", label="Nada más"))
    return [flow, menu, nodes]


def _plan(rng, now, agents, areas, spread_days: int, messages: int) -> tuple[dict, list]:
    """One conversation's fields and its messages (direction, sender, when)."""
    created = now - timedelta(seconds=rng.uniform(0, spread_days * 86400))
    age = (now - created).total_seconds()
    kind = rng.random()
    agent = area = queued = assigned = closed = None
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
    count = max(2, round(rng.gauss(messages, 2)))
    texts = [("in", "contact", created), ("out", "bot", created + timedelta(seconds=2))]
    start = assigned or created
    for n in range(count - 2):
        sender = ("in", "contact") if n % 2 else ("out", "agent" if assigned else "bot")
        texts.append((*sender, start + timedelta(seconds=10 + 60 * n + rng.uniform(0, 50))))
    texts = [text for text in texts if text[2] <= now]
    fields = {
        "status": status, "area": area, "assigned_to": agent, "bot_active": agent is None,
        "created_at": created, "queued_at": queued, "assigned_at": assigned, "closed_at": closed,
        "last_activity_at": max([created, *(when for _, _, when in texts)]),
    }  # fmt: skip
    return fields, texts


def fill(conversations: int, messages: int, spread_days: int, seed: int = 18) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from ventanilla.contacts.models import Contact
    from ventanilla.conversations.models import Conversation, Message
    from ventanilla.providers.models import Line

    rng = random.Random(seed)
    _empty()
    line = Line.objects.filter(provider="sandbox").first() or Line.objects.create(
        provider="sandbox", display_name="Bench"
    )
    areas, agents, admin, supervisor = _people()
    flow, menu, exit_nodes = _flow(areas)
    contacts = Contact.objects.bulk_create(
        [Contact(name=f"Cliente {n}", phone=f"+5493516{n:06d}") for n in range(5000)]
    )
    now, started, made = timezone.now(), time.perf_counter(), 0
    for first in range(0, conversations, CHUNK):
        rows, plans = [], []
        for _ in range(first, min(first + CHUNK, conversations)):
            fields, texts = _plan(rng, now, agents, areas, spread_days, messages)
            exit_at = rng.randrange(len(EXITS))
            if fields["status"] != "bot":
                node = menu if EXITS[exit_at] == "fallback" else exit_nodes[exit_at]
                fields |= {"bot_flow_id": flow.pk, "bot_exit": EXITS[exit_at]}
                fields["bot_exit_node_id"] = node.pk
            rows.append(Conversation(line=line, contact=rng.choice(contacts), **fields))
            plans.append(texts)
        with transaction.atomic():
            Conversation.objects.bulk_create(rows)
            batch = [
                Message(
                    conversation=row, line=line, direction=direction, sender_type=sender,
                    sender_user=row.assigned_to if sender == "agent" else None, text="hola",
                    status="received" if direction == "in" else "sent", created_at=when,
                )
                for row, texts in zip(rows, plans, strict=True)
                for direction, sender, when in texts
            ]  # fmt: skip
            Message.objects.bulk_create(batch, batch_size=CHUNK)
            made += len(batch)
        print(f"  {first + len(rows):>7} conversations, {made:>8} messages", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        "admin": admin,
        "supervisor": supervisor,
        "conversations": conversations,
        "messages": made,
        "fill_seconds": round(time.perf_counter() - started, 1),
    }


def _median(once, runs: int) -> dict:
    once()  # warm-up: connection, caches, templates
    timings = [once() for _ in range(runs)]
    return {
        "median_ms": round(statistics.median(timings), 1),
        "runs_ms": [round(t, 1) for t in timings],
    }


def time_page(user, runs: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)

    def once() -> float:
        started = time.perf_counter()
        response = client.get("/dashboard/?period=30d")
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) * 1000

    return _median(once, runs)


def time_report(user, runs: int) -> dict:
    from django.core.serializers.json import DjangoJSONEncoder

    from ventanilla.analytics import selectors

    def once() -> float:
        started = time.perf_counter()
        win = selectors.period_window("30d")
        json.dumps(selectors.report(user=user, win=win), cls=DjangoJSONEncoder)
        return (time.perf_counter() - started) * 1000

    return _median(once, runs)


def explain(user) -> None:
    """EXPLAIN ANALYZE of every query of one report (PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ventanilla.analytics import selectors

    with CaptureQueriesContext(connection) as captured:
        selectors.report(user=user, win=selectors.period_window("30d"))
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            print("\n" + query["sql"][:300])
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="postgres")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10, help="per conversation, on average")
    parser.add_argument("--spread-days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    setup_django(args.database_url)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    filled = fill(args.conversations, args.messages, args.spread_days)
    if args.explain:
        explain(filled["admin"])
    result = {
        "label": args.label,
        "python": platform.python_version(),
        "conversations": filled["conversations"],
        "messages": filled["messages"],
        "spread_days": args.spread_days,
        "fill_seconds": filled["fill_seconds"],
        "period": "30d",
        "page": {
            "admin": time_page(filled["admin"], args.runs),
            "supervisor": time_page(filled["supervisor"], args.runs),
        },
        "report": {
            "admin": time_report(filled["admin"], args.runs),
            "supervisor": time_report(filled["supervisor"], args.runs),
        },
    }
    print(json.dumps(result), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"reports-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
