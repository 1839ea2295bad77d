"""Message search: the Chat screen's list searched by the words of messages, in-process, on the
big desk of bench/bigdesk.py (PostgreSQL; 1,000,000 messages in 100,000 conversations by
default).

Times the request the search box makes, `GET /chats/list/?tab=…&q=…&part=items` (the list's 50
rows, newest first, each with the line that matched), through Django's test client:

  - one-word:  q=factura           (a common word)
  - two-word:  q=factura noviembre (both required)
  - rare-word: q=remito
  - prefix:    q=reclam            (a word being typed: reclamo, reclamé, reclamar)
  - no-match:  q=remito cuotas     (two words never in one message: the search's worst case)

in the Closed tab (most of the desk) as the admin (every conversation), as a supervisor of two
areas and as an agent (the visibility rule: their own conversations and their area's queue),
and in the admin's All tab (the open ones); `--warmup` then `--runs` requests each, p50 and p99
of the wall time and the median CPU time of this thread; each query's matching messages are
counted. The garbage collector runs as in the serving processes (`config/collector.py`: what
was loaded frozen, collections rarer); `--gc python` keeps Python's defaults, as this benchmark did
before docs/adr/0042. Target (issue #17): p50 and p99 under 50 ms. Results go to
bench/results/search-<label>.json, with the load average before and after each scenario.

    uv run python bench/search.py --label 1m-1           # makes the desk (about 2 minutes)
    uv run python bench/search.py --label 1m-2 --reuse   # the same desk again

A quick check that it works: `--conversations 2000 --messages 20000 --runs 20 --label try
--database-url postgres://postgres@127.0.0.1:5432/vt_bigbench_try`.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigdesk  # bench/bigdesk.py

QUERIES = {
    "one-word": "factura",
    "two-word": "factura noviembre",
    "rare-word": "remito",
    "prefix": "reclam",
    "no-match": "remito cuotas",  # words that never meet: every step of the search runs
}
SCENARIOS = (("admin", "closed"), ("supervisor", "closed"), ("agent", "closed"), ("admin", "all"))


def matching(q: str) -> int:
    """How many messages hold the words of `q` (through the same index)."""
    from ventanilla.conversations import search
    from ventanilla.conversations.models import Message

    return search.messages_matching(Message.objects.all(), search.terms(q)).count()


def measure(client, path: str, *, warmup: int, runs: int) -> dict:
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
    load_before = bigdesk.load()
    runs_done = [once()[:2] for _ in range(runs)]
    timings = sorted(wall for wall, _ in runs_done)
    result = {
        "path": path,
        "rows": len(re.findall(rb'<a class="chat-item[^"]*" id="conv-\d+"', body)),
        "match_lines": body.count(b'class="chat-item__match"'),
        "queries": len(queries),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(bigdesk.quantile(timings, 0.99), 1),
        "min_ms": round(timings[0], 1),
        "max_ms": round(timings[-1], 1),
        "cpu_p50_ms": round(statistics.median(cpu for _, cpu in runs_done), 1),
        "runs": runs,
        "load_average": [load_before[0], bigdesk.load()[0]],
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="1m")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--gc", choices=("serving", "python"), default="serving")
    bigdesk.add_arguments(parser)
    args = parser.parse_args()
    desk = bigdesk.open_desk(args)

    from django.test import Client

    from ventanilla.config import collector

    people = {
        "admin": desk.people.admin,
        "supervisor": desk.people.supervisor,
        "agent": desk.people.agent,
    }
    counts = {name: matching(q) for name, q in QUERIES.items()}
    if args.gc == "serving":
        collector.tune_for_serving()
    scenarios = {}
    for who, tab in SCENARIOS:
        client = Client()
        client.force_login(people[who])
        for name, q in QUERIES.items():
            path = "/chats/list/?" + urlencode({"tab": tab, "q": q, "part": "items"})
            print(f"{who} {tab} {name}: {q!r} matches {counts[name]} messages", flush=True)
            scenario = measure(client, path, warmup=args.warmup, runs=args.runs)
            scenarios[f"{who}-{tab}-{name}"] = {"q": q, "matching_messages": counts[name]} | (
                scenario
            )
    result = {
        "label": args.label,
        "command": " ".join(["uv run python", *sys.argv]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "desk": desk.made,
        "reused": desk.reused,
        "gc": args.gc,
        "target_ms": 50,
        "scenarios": scenarios,
    }
    bigdesk.RESULTS.mkdir(parents=True, exist_ok=True)
    path = bigdesk.RESULTS / f"search-{args.label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {path}", flush=True)


if __name__ == "__main__":
    main()
