"""Message search, statement by statement: each statement of a search request that matches words,
timed by `EXPLAIN (ANALYZE, TIMING OFF)` as the desk runs it (the stored column `search_vector`,
migration conversations/0018) and rewritten to compute `to_tsvector('ventanilla_search', text)`
as before, the two alternated `--runs` times (median of each; the machine is shared).

For the rewritten form to be planned as before, the former expression index must exist beside
the column's and be analyzed (on a benchmark desk only; docs/adr/0038-...):

    CREATE INDEX message_text_search ON conversations_message
        USING GIN (to_tsvector('ventanilla_search', text));
    ANALYZE conversations_message;

    uv run python bench/search_statements.py --reuse --label s3 --database-url postgres://…

Results go to bench/results/search-statements-<label>.json with the load average.
"""

import argparse
import json
import re
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigdesk  # bench/bigdesk.py

CASES = (
    ("admin", "closed", "factura"),
    ("admin", "closed", "factura noviembre"),
    ("supervisor", "closed", "factura"),
    ("supervisor", "closed", "factura noviembre"),
    ("agent", "closed", "factura"),
    ("agent", "closed", "factura noviembre"),
    ("admin", "closed", "remito"),
    ("admin", "all", "factura noviembre"),
)
VECTOR = re.compile(r'(\S+)\."search_vector"')


def execution_ms(cursor, sql: str, params) -> float:
    cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql, params)
    line = next(row[0] for row in cursor.fetchall() if row[0].startswith("Execution Time"))
    return float(line.split()[2])


def kind(sql: str) -> str:
    if sql.startswith('SELECT "conversations_message"'):
        return "matching lines"
    return "candidates, last week" if "MIN(" in sql else "candidates, whole list"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="s3")
    parser.add_argument("--runs", type=int, default=9)
    bigdesk.add_arguments(parser)
    args = parser.parse_args()
    desk = bigdesk.open_desk(args)

    from django.db import connection
    from django.test import Client

    load_before, rows = bigdesk.load(), {}
    for who, tab, q in CASES:
        client = Client()
        client.force_login(getattr(desk.people, who))
        path = "/chats/list/?" + urlencode({"tab": tab, "q": q, "part": "items"})
        client.get(path)
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            client.get(path)
        with connection.cursor() as cursor:
            for sql, params in captured:
                if '"search_vector"' not in sql:
                    continue
                before = VECTOR.sub("to_tsvector('ventanilla_search', \\1.\"text\")", sql)
                computed, stored = [], []
                for _ in range(args.runs):
                    computed.append(execution_ms(cursor, before, params))
                    stored.append(execution_ms(cursor, sql, params))
                key = f"{who} {tab} {q!r}: {kind(sql)}"
                rows[key] = {
                    "to_tsvector_ms": round(statistics.median(computed), 2),
                    "stored_column_ms": round(statistics.median(stored), 2),
                }
                print(key, rows[key], flush=True)
    result = {
        "label": args.label,
        "command": " ".join(["uv run python", *sys.argv]),
        "runs": args.runs,
        "load_average": [load_before, bigdesk.load()],
        "statements": rows,
    }
    path = bigdesk.RESULTS / f"search-statements-{args.label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {path}", flush=True)


if __name__ == "__main__":
    main()
