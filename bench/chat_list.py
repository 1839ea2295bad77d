"""Chat list: the server time of rendering 500 conversations in the Chat screen's list, in-process.

Seeds a benchmark database with N open conversations (default 500), each with its contact (name,
phone, a DNI on half of them), 4 messages (customer, bot, customer, then an agent's reply on the
assigned ones), an unread count, an area of 4 and an agent of 12 (or the queue, or the bot).

The list is paginated: the screen shows 50 rows and a "load more" button. So the 500 rows are
measured by raising the page size (`web.chat.rows.LIST_SIZE`) to N for these renders only, on the
route that renders the list:
  - list-500: GET /chats/list/?tab=all (the left column: tabs, search, the N rows), admin
  - page-500: GET /?tab=all (the whole Chat page with the N rows), admin
and, as served (50 rows a page), for reference:
  - page-50:  GET /?tab=all, admin
  - items-50: GET /chats/list/?tab=all&part=items (the rows only), admin

Each is rendered `--warmup` times, then `--runs` times, timed around Django's test client (the
whole request: middleware, session, view, templates, database); p50 and p99 of the wall time, and
the median CPU time of this thread (the part that does not depend on what else the shared machine
is running); the queries of one render are counted.
Target (issue #7): under 300 ms server time for the 500 rows. Results go to
bench/results/chat-list-<label>.json.

    uv run python bench/chat_list.py --label sqlite
    psql -h127.0.0.1 -Upostgres -c 'create database vt_bench_chat_list'
    uv run python bench/chat_list.py --label postgres \
        --database-url postgres://postgres@127.0.0.1:5432/vt_bench_chat_list
    psql -h127.0.0.1 -Upostgres -c 'drop database vt_bench_chat_list'

SQLite runs in a temporary data directory. With --database-url the database must be one for
benchmarks only: its conversations, messages and contacts are deleted before filling it.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TICKS = ("sent", "delivered", "read")
AREAS = ("Soporte", "Ventas", "Cobranzas", "Reclamos")
NAMES = ("Ana", "Beto", "Ceci", "Dani", "Eli", "Fede", "Gabi", "Hugo", "Inés", "Juan", "Lola")
SURNAMES = ("Pérez", "Gómez", "Ruiz", "Díaz", "Sosa", "Romero", "Álvarez", "Torres", "Ríos")
TEXTS = (
    "Hola, buen día",
    "Tengo un problema con la factura de noviembre, me cobraron dos veces el mismo servicio.",
    "¿Siguen atendiendo?",
    "Gracias!",
    "No me anda internet desde ayer a la noche 😞",
    "Quería saber el precio del plan familiar",
)


def setup_django(database_url: str) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["VENTANILLA_DATA_DIR"] = tempfile.mkdtemp(prefix="vt-bench-chat-list-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _user(username: str, role: str, areas: list) -> object:
    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import User

    existing = User.objects.filter(username=username).first()
    return existing or accounts.user_create(
        username=username,
        password="x" * 16,
        role=role,
        name=username.replace("-", " ").title(),
        area_ids=[area.pk for area in areas],
    )


def fill(conversations: int, seed: int = 7) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import Area, Role
    from ventanilla.contacts.models import Contact
    from ventanilla.conversations.models import Conversation, ConversationEvent, Message
    from ventanilla.providers.models import Line

    rng = random.Random(seed)
    ConversationEvent.objects.all().delete()
    Conversation.objects.update(last_message=None)
    Message.objects.all().delete()
    Conversation.objects.all().delete()
    Contact.objects.all().delete()
    line = Line.objects.filter(provider="sandbox").first() or Line.objects.create(
        provider="sandbox", display_name="Bench", is_default=True
    )
    areas = [
        Area.objects.filter(name=name).first() or accounts.area_create(name=name) for name in AREAS
    ]
    agents = [_user(f"bench-agent-{n}", Role.OPERATOR, [areas[n % 4]]) for n in range(12)]
    admin = _user("bench-admin", Role.ADMIN, [])
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {n}",
                    phone=f"+5493517{n:06d}",
                    dni=str(20_000_000 + n * 7) if n % 2 == 0 else "",
                    area=areas[n % 4],
                )
                for n in range(conversations)
            ]
        )
        rows, plans = [], []
        for n, contact in enumerate(contacts):
            created = now - timedelta(minutes=rng.uniform(5, 6 * 24 * 60))
            kind = n % 10
            area = agent = None
            if kind < 2:
                status = "bot"
            elif kind < 4:
                status, area = "queued", areas[n % 4]
            else:
                agent = agents[n % 12]
                status, area = "active", areas[(n % 12) % 4]
            times = sorted(created + timedelta(seconds=rng.uniform(0, 4 * 3600)) for _ in range(4))
            times = [min(when, now) for when in times]
            plan = [
                ("in", "contact", None, times[0]),
                ("out", "bot", None, times[1]),
                ("in", "contact", None, times[2]),
            ]
            if agent is not None and n % 3:
                plan.append(("out", "agent", agent, times[3]))
            rows.append(
                Conversation(
                    line=line, contact=contact, status=status, area=area, assigned_to=agent,
                    bot_active=status == "bot", open_key=f"{line.pk}:{contact.pk}",
                    unread_count=rng.choice((0, 0, 1, 2, 5)), created_at=created,
                    queued_at=created if area else None, assigned_at=created if agent else None,
                    last_activity_at=plan[-1][3], last_inbound_at=times[2],
                )
            )  # fmt: skip
            plans.append(plan)
        Conversation.objects.bulk_create(rows)
        messages = [
            Message(
                conversation=row, line=line, direction=direction, sender_type=sender,
                sender_user=user, text=rng.choice(TEXTS),
                status="received" if direction == "in" else rng.choice(TICKS),
                created_at=when,
            )
            for row, plan in zip(rows, plans, strict=True)
            for direction, sender, user, when in plan
        ]  # fmt: skip
        Message.objects.bulk_create(messages, batch_size=1000)
        last = {}
        for message in messages:
            last[message.conversation_id] = message
        for row in rows:
            row.last_message = last[row.pk]
        Conversation.objects.bulk_update(rows, ["last_message"], batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "admin": admin,
        "conversations": conversations,
        "messages": len(messages),
        "fill_seconds": round(time.perf_counter() - started, 2),
    }


def measure(client, path: str, *, warmup: int, runs: int, expect_rows: int) -> dict:
    import re

    from django.db import connection

    def once() -> tuple[float, float, bytes]:
        started, cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed, cpu, response.content

    for _ in range(warmup):
        once()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _, _, body = once()
    rows = len(re.findall(rb'<a class="chat-item[^"]*" id="conv-\d+"', body))
    assert rows == expect_rows, (path, rows, expect_rows)
    runs_done = [once()[:2] for _ in range(runs)]
    timings = sorted(wall for wall, _ in runs_done)
    cpu = [cpu for _, cpu in runs_done]
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    result = {
        "path": path,
        "rows": rows,
        "queries": len(queries),
        "bytes": len(body),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(cuts[98], 1),
        "min_ms": round(timings[0], 1),
        "max_ms": round(timings[-1], 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "runs": runs,
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="sqlite")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from ventanilla.core import pagination
    from ventanilla.web.chat import rows as chat_rows

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    filled = fill(args.conversations)
    print(
        f"{connection.vendor}: {filled['conversations']} conversations, "
        f"{filled['messages']} messages ({filled['fill_seconds']} s to fill)",
        flush=True,
    )
    load_before = os.getloadavg()
    client = Client()
    client.force_login(filled["admin"])
    n, served, most = args.conversations, chat_rows.LIST_SIZE, pagination.MAX_LIMIT
    timing = {"warmup": args.warmup, "runs": args.runs}
    scenarios = {}
    chat_rows.LIST_SIZE = pagination.MAX_LIMIT = n
    try:
        scenarios[f"list-{n}"] = measure(client, "/chats/list/?tab=all", **timing, expect_rows=n)
        scenarios[f"page-{n}"] = measure(client, "/?tab=all", **timing, expect_rows=n)
    finally:
        chat_rows.LIST_SIZE, pagination.MAX_LIMIT = served, most
    scenarios[f"page-{served}"] = measure(client, "/?tab=all", **timing, expect_rows=served)
    items = "/chats/list/?tab=all&part=items"
    scenarios[f"items-{served}"] = measure(client, items, **timing, expect_rows=served)
    result = {
        "label": args.label,
        "command": " ".join(["uv run python", *sys.argv]),
        "database": connection.vendor,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        # the machine is shared: its 1-minute load average before and after the renders
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "conversations": filled["conversations"],
        "messages": filled["messages"],
        "target_ms": 300,
        "scenarios": scenarios,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"chat-list-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
