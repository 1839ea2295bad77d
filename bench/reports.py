"""The reports page: GET /dashboard/?period=30d on the big desk of bench/bigdesk.py (PostgreSQL;
1,000,000 messages in 100,000 conversations over 60 days by default), server time (issue 18:
under 300 ms).

Signed in as an admin and as a supervisor of two areas, times the whole page (Django's test
client: middleware, session, the report's queries, the template; no network) and the report
alone (selector plus JSON, as GET /api/analytics/report does), and a CSV export; one warm-up
then `--runs` runs each, p50 and p99 (nearest rank) and the queries of one run. `--explain`
prints PostgreSQL's plan (EXPLAIN ANALYZE) of every query of one report. Results go to
bench/results/reports-<label>.json, with the load average before and after each measurement.

Wall times on a shared machine move with its load; the CPU a report costs moves much less. For
the report alone the script also records the CPU of the Python thread (`time.thread_time`) and of
the PostgreSQL backend serving it (its utime + stime in /proc, when the server runs on this
machine), p50 over the runs; `--statements` prints their mean per statement of the report.

    uv run python bench/reports.py --label 1m-1 --reuse   # makes the desk if missing

Small scale (a check that it works, not a figure): `--conversations 2000 --messages 20000
--database-url postgres://postgres@127.0.0.1:5432/vt_bigbench_try`.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigdesk  # bench/bigdesk.py

PERIOD = "30d"


def _timed(once, runs: int) -> dict:
    from django.db import connection

    once()  # warm-up: connection, caches, templates
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        once()
    load_before = bigdesk.load()
    timings = sorted(once() for _ in range(runs))
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(bigdesk.quantile(timings, 0.99), 1),
        "min_ms": round(timings[0], 1),
        "max_ms": round(timings[-1], 1),
        "queries": len(queries),
        "runs": runs,
        "load_average": [load_before[0], bigdesk.load()[0]],
    }


def time_get(user, path: str, runs: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)

    def once() -> float:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return (time.perf_counter() - started) * 1000

    return _timed(once, runs)


def _backend_cpu_ms() -> float | None:
    """CPU time (user + system) of the PostgreSQL backend of Django's connection so far, or None
    when it is not a process of this machine."""
    from django.db import connection

    connection.ensure_connection()
    try:
        fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text()
    except (AttributeError, OSError):
        return None
    utime, stime = fields.rsplit(")", 1)[1].split()[11:13]
    return (int(utime) + int(stime)) * 1000 / os.sysconf("SC_CLK_TCK")


def time_report(user, runs: int, *, statements: bool = False) -> dict:
    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import connection

    from ventanilla.analytics import selectors

    python_cpu, postgres_cpu = [], []
    per_statement: dict[int, list] = {}

    def once() -> float:
        started, thread, backend = time.perf_counter(), time.thread_time(), _backend_cpu_ms()
        win = selectors.period_window(PERIOD)
        json.dumps(selectors.report(user=user, win=win), cls=DjangoJSONEncoder)
        elapsed = (time.perf_counter() - started) * 1000
        python_cpu.append((time.thread_time() - thread) * 1000)
        if backend is not None:
            postgres_cpu.append(_backend_cpu_ms() - backend)
        return elapsed

    timed = _timed(once, runs)
    del python_cpu[:2], postgres_cpu[:2]  # the warm-up and the counted run
    timed["python_cpu_ms_p50"] = round(statistics.median(python_cpu), 1)
    if postgres_cpu:
        timed["postgres_cpu_ms_p50"] = round(statistics.median(postgres_cpu), 1)
        timed["postgres_cpu_ms_mean"] = round(statistics.mean(postgres_cpu), 1)
    if statements:

        def measure(execute, sql, params, many, context):
            index = len(seen)
            seen.append(sql)
            started, backend = time.perf_counter(), _backend_cpu_ms()
            result = execute(sql, params, many, context)
            wall = (time.perf_counter() - started) * 1000
            per_statement.setdefault(index, [sql, [], []])
            per_statement[index][1].append(wall)
            per_statement[index][2].append(_backend_cpu_ms() - backend)
            return result

        with connection.execute_wrapper(measure):
            for _ in range(runs):
                seen: list[str] = []
                once()
        for sql, walls, cpus in per_statement.values():
            print(
                f"  {statistics.mean(walls):7.1f} ms wall {statistics.mean(cpus):7.1f} ms CPU"
                f"  {' '.join(sql.split())[:110]}",
                flush=True,
            )
    return timed


def explain(user) -> None:
    """EXPLAIN ANALYZE of every query of one report (PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ventanilla.analytics import selectors

    with CaptureQueriesContext(connection) as captured:
        selectors.report(user=user, win=selectors.period_window(PERIOD))
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            print("\n" + query["sql"][:300])
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="1m")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--statements", action="store_true", help="CPU and wall per statement")
    parser.add_argument(
        "--only", nargs="+", choices=("page", "report", "csv"), default=("page", "report", "csv")
    )
    bigdesk.add_arguments(parser)
    args = parser.parse_args()
    desk = bigdesk.open_desk(args)
    people = {"admin": desk.people.admin, "supervisor": desk.people.supervisor}
    if args.explain:
        explain(people["admin"])
        explain(people["supervisor"])
    measured = {}
    for who, user in people.items():
        for name, measure in (
            ("page", lambda u: time_get(u, f"/dashboard/?period={PERIOD}", args.runs)),
            ("report", lambda u: time_report(u, args.runs, statements=args.statements)),
            ("csv", lambda u: time_get(u, f"/dashboard/export/agents.csv?period={PERIOD}", 5)),
        ):
            if name not in args.only:
                continue
            measured[f"{who}-{name}"] = measure(user)
            print(who, name, json.dumps(measured[f"{who}-{name}"]), flush=True)
    result = {
        "label": args.label,
        "command": " ".join(["uv run python", *sys.argv]),
        "python": platform.python_version(),
        "desk": desk.made,
        "reused": desk.reused,
        "period": PERIOD,
        "target_ms": 300,
        "measured": measured,
    }
    bigdesk.RESULTS.mkdir(exist_ok=True)
    path = bigdesk.RESULTS / f"reports-{args.label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {path}", flush=True)


if __name__ == "__main__":
    main()
