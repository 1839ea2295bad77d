"""Message search: the Chat screen's list searched by the words of messages, in-process.

Seeds a benchmark database with N messages (default 1,000,000) in N/20 conversations (their
contacts, 4 areas, 12 agents and a supervisor of one area), the texts drawn from a Spanish
vocabulary whose words are common, middling or rare, so a word matches anything from a few
messages to several percent of them (each query's matching messages are counted and reported).
Then it times the request the search box makes, `GET /chats/list/?tab=…&q=…&part=items` (the
list's 50 rows, newest first, each with the line that matched), through Django's test client:

  - one-word:  q=factura           (a common word: ~2% of the messages)
  - two-word:  q=factura noviembre (both required: ~0.1%)
  - rare-word: q=remito            (~0.02%)
  - prefix:    q=reclam            (a word being typed: reclamo, reclamé, reclamar)

each in the Closed tab (most of a year's conversations) as the admin (every conversation) and as
a supervisor (the visibility rule narrows it to one area), and in the admin's All tab (the open
ones); `--warmup` then `--runs` requests each, p50 and p99 of the wall time and the median
CPU time of this thread. Target (issue #17): p50 and p99 under 50 ms at 1,000,000 messages on
PostgreSQL. Results go to bench/results/search-<label>.json.

    psql -h127.0.0.1 -Upostgres -c 'create database vt_bench_search'
    uv run python bench/search.py --label postgres \
        --database-url postgres://postgres@127.0.0.1:5432/vt_bench_search
    psql -h127.0.0.1 -Upostgres -c 'drop database vt_bench_search'

A quick check that it works: `--messages 20000 --runs 20 --label postgres-try`. Without
--database-url it runs on SQLite (FTS5) in a temporary data directory. With --database-url the
database must be one for benchmarks only: its conversations, messages and contacts are deleted.
On PostgreSQL the GIN index is dropped while the messages are written and built again after
(as `CREATE INDEX` on a filled table does in the migration), then the tables are analysed.
"""

import argparse
import importlib
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
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MESSAGES_PER_CONVERSATION = 20
BATCH = 5000
AREAS = ("Soporte", "Ventas", "Cobranzas", "Reclamos")
# (word, share of messages that carry it); the rest of a text is filler
SEEDED = (("factura", 0.02), ("noviembre", 0.05), ("remito", 0.0002))
PREFIXED = ("reclamo", "reclamé", "reclamar")  # 0.3% each
_FILLER_TEXT = (
    "hola buen día gracias por favor consulta tengo una pregunta sobre mi cuenta servicio "
    "internet no anda desde ayer necesito ayuda con el pago del plan familiar cuándo llega "
    "técnico módem router señal celular línea número teléfono dirección envío pedido precio "
    "promoción descuento tarjeta débito crédito transferencia comprobante horario atención "
    "sucursal domicilio cambio baja alta mañana tarde noche semana mes año perfecto listo"
)
FILLER = tuple(_FILLER_TEXT.split())
QUERIES = {
    "one-word": "factura",
    "two-word": "factura noviembre",
    "rare-word": "remito",
    "prefix": "reclam",
}


def setup_django(database_url: str) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["VENTANILLA_DATA_DIR"] = tempfile.mkdtemp(prefix="vt-bench-search-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _text(rng: random.Random) -> str:
    words = rng.choices(FILLER, k=rng.randint(4, 18))
    for word, share in SEEDED:
        if rng.random() < share:
            words.insert(rng.randrange(len(words) + 1), word.capitalize())
    if rng.random() < 0.009:
        words.insert(rng.randrange(len(words) + 1), rng.choice(PREFIXED))
    return " ".join(words)


def _user(username: str, role: str, areas: list):
    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import User

    existing = User.objects.filter(username=username).first()
    return existing or accounts.user_create(
        username=username, password="x" * 16, role=role, area_ids=[a.pk for a in areas]
    )


def _search_index(create: bool) -> None:
    """PostgreSQL: the migration's GIN index, dropped while filling and built after."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    migration = importlib.import_module("ventanilla.conversations.migrations.0012_message_search")
    with connection.cursor() as cursor:
        if create:
            cursor.execute(migration.PG_FORWARD[-1])
            cursor.execute("ANALYZE")
        else:
            cursor.execute(migration.PG_BACKWARD[0])


def _clear(line) -> None:
    from ventanilla.contacts.models import Contact
    from ventanilla.conversations.models import Conversation, ConversationEvent, Message

    ConversationEvent.objects.all().delete()
    Conversation.objects.update(last_message=None)
    Message.objects.all().delete()
    Conversation.objects.all().delete()
    Contact.objects.all().delete()


def _conversations(rng, line, areas, agents, count, now):
    from ventanilla.contacts.models import Contact
    from ventanilla.conversations.models import Conversation

    contacts = Contact.objects.bulk_create(
        [Contact(name=f"Cliente {n}", phone=f"+5493518{n:06d}") for n in range(count)],
        batch_size=BATCH,
    )
    rows = []
    for n, contact in enumerate(contacts):
        created = now - timedelta(days=rng.uniform(0, 365))
        agent = agents[n % len(agents)] if n % 4 else None
        closed = n % 5 != 0  # most of a year's conversations are closed
        rows.append(
            Conversation(
                line=line, contact=contact, area=areas[n % len(areas)], assigned_to=agent,
                status="closed" if closed else ("active" if agent else "queued"),
                open_key=None if closed else f"{line.pk}:{contact.pk}", bot_active=False,
                created_at=created, last_activity_at=created, last_inbound_at=created,
            )
        )  # fmt: skip
    return Conversation.objects.bulk_create(rows, batch_size=BATCH)


def fill(messages: int, seed: int = 17) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import Area, Role
    from ventanilla.conversations.models import Conversation, Message
    from ventanilla.providers.models import Line

    rng = random.Random(seed)
    line = Line.objects.filter(provider="sandbox").first() or Line.objects.create(
        provider="sandbox", display_name="Bench", is_default=True
    )
    _clear(line)
    areas = [Area.objects.filter(name=n).first() or accounts.area_create(name=n) for n in AREAS]
    agents = [_user(f"bench-agent-{n}", Role.OPERATOR, [areas[n % 4]]) for n in range(12)]
    admin = _user("bench-admin", Role.ADMIN, [])
    supervisor = _user("bench-supervisor", Role.SUPERVISOR, [areas[0]])
    now = timezone.now()
    started = time.perf_counter()
    _search_index(create=False)
    count = max(1, messages // MESSAGES_PER_CONVERSATION)
    with transaction.atomic():
        conversations = _conversations(rng, line, areas, agents, count, now)
    written, last = 0, {}
    while written < messages:
        batch = []
        for n in range(written, min(messages, written + BATCH)):
            conversation = conversations[n % count]
            inbound = n % 2 == 0
            when = conversation.created_at + timedelta(minutes=n // count)
            batch.append(
                Message(
                    conversation=conversation, line=line, direction="in" if inbound else "out",
                    sender_type="contact" if inbound else "agent", text=_text(rng),
                    status="received" if inbound else "read", created_at=when,
                )
            )  # fmt: skip
        with transaction.atomic():
            Message.objects.bulk_create(batch)
        for message in batch:
            last[message.conversation_id] = message
        written += len(batch)
    for conversation in conversations:
        conversation.last_message = last[conversation.pk]
        conversation.last_activity_at = last[conversation.pk].created_at
    Conversation.objects.bulk_update(
        conversations, ["last_message", "last_activity_at"], batch_size=BATCH
    )
    _search_index(create=True)
    return {
        "admin": admin,
        "supervisor": supervisor,
        "conversations": count,
        "messages": written,
        "fill_seconds": round(time.perf_counter() - started, 1),
    }


def matching(q: str) -> int:
    """How many messages hold the words of `q` (through the same index)."""
    from ventanilla.conversations import search
    from ventanilla.conversations.models import Message

    return search.messages_matching(Message.objects.all(), search.terms(q)).count()


def measure(client, path: str, *, warmup: int, runs: int) -> dict:
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
    runs_done = [once()[:2] for _ in range(runs)]
    timings = sorted(wall for wall, _ in runs_done)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    result = {
        "path": path,
        "rows": len(re.findall(rb'<a class="chat-item[^"]*" id="conv-\d+"', body)),
        "match_lines": body.count(b'class="chat-item__match"'),
        "queries": len(queries),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(cuts[98], 1),
        "min_ms": round(timings[0], 1),
        "max_ms": round(timings[-1], 1),
        "cpu_p50_ms": round(statistics.median(cpu for _, cpu in runs_done), 1),
        "runs": runs,
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="postgres")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    filled = fill(args.messages)
    print(
        f"{connection.vendor}: {filled['messages']} messages in {filled['conversations']} "
        f"conversations ({filled['fill_seconds']} s to fill and index)",
        flush=True,
    )
    load_before = os.getloadavg()
    scenarios = {}
    for who, tab in (("admin", "closed"), ("supervisor", "closed"), ("admin", "all")):
        client = Client()
        client.force_login(filled[who])
        for name, q in QUERIES.items():
            path = "/chats/list/?" + urlencode({"tab": tab, "q": q, "part": "items"})
            print(f"{who} {name}: {q!r} matches {matching(q)} messages", flush=True)
            scenario = measure(client, path, warmup=args.warmup, runs=args.runs)
            key = f"{who}-{tab}-{name}"
            scenarios[key] = {"q": q, "matching_messages": matching(q), **scenario}
    result = {
        "label": args.label,
        "command": " ".join(["uv run python", *sys.argv]),
        "database": connection.vendor,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        # the machine is shared: its 1-minute load average before and after the requests
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "conversations": filled["conversations"],
        "messages": filled["messages"],
        "target_ms": 50,
        "scenarios": scenarios,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"search-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
