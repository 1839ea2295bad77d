"""Message search, where one request's time goes: the statements it runs (each timed in the
request, median of `--runs`) and a CPU profile of the request thread (`cProfile` with
`time.thread_time`, `--runs` requests), on the big desk of bench/bigdesk.py.

    uv run python bench/search_profile.py --reuse --who admin --tab closed --q factura \\
        --database-url postgres://…

Prints the statements and the functions with the most CPU of their own, then the most
cumulative; nothing is written to bench/results (a tool to look with, not a measurement).
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigdesk  # bench/bigdesk.py


def statement_times(client, path: str, runs: int) -> list[tuple[float, str]]:
    """(median ms, SQL) of each statement the request runs, in order."""
    from django.db import connection

    timings: dict[int, list[float]] = defaultdict(list)
    order: list[str] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings[len(order)].append((time.perf_counter() - started) * 1000)
            order.append(sql)

    with connection.execute_wrapper(timed):
        for _ in range(runs):
            order.clear()
            client.get(path)
    return [(statistics.median(timings[n]), sql) for n, sql in enumerate(order)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--who", default="admin", choices=("admin", "supervisor", "agent"))
    parser.add_argument("--tab", default="closed")
    parser.add_argument("--q", default="factura")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=35)
    bigdesk.add_arguments(parser)
    args = parser.parse_args()
    desk = bigdesk.open_desk(args)

    from django.test import Client

    client = Client()
    client.force_login(getattr(desk.people, args.who))
    path = "/chats/list/?" + urlencode({"tab": args.tab, "q": args.q, "part": "items"})
    for _ in range(5):
        client.get(path)
    statements = statement_times(client, path, args.runs)
    for ms, sql in statements:
        print(f"{ms:7.2f} ms  {sql[:160]}")
    print(f"{sum(ms for ms, _ in statements):7.2f} ms in {len(statements)} statements")
    walls = []
    profile = cProfile.Profile(time.thread_time)
    for _ in range(args.runs):
        started = time.perf_counter()
        profile.enable()
        client.get(path)
        profile.disable()
        walls.append((time.perf_counter() - started) * 1000)
    print(f"wall p50 {statistics.median(walls):.1f} ms (profiled)")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
