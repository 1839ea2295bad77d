"""Contact import: 10,000 CSV rows through contacts.importing, in-process, timed.

Generates a CSV of N rows (default 10,000) with awkward but valid cells (quoted names with commas,
phones typed in several Argentine forms, DNIs with dots, areas by name in any case), then times,
on a fresh database:
  1. a dry run (everything validated, nothing written),
  2. the import that creates N contacts,
  3. the same file again (all unchanged),
  4. a file changing every DNI (all updated).
Target (issue #6): 10,000 rows in under 10 s.
Results go to bench/results/import-contacts-<label>.json.

    uv run python bench/import_contacts.py --label sqlite
    uv run python bench/import_contacts.py --label postgres \
        --database-url postgres://postgres@127.0.0.1:5432/vt_bench_import

SQLite runs in a temporary data directory. With --database-url the database must be one for
benchmarks only: it is migrated and its contacts and areas are deleted before and after.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
AREAS = ("Soporte", "Ventas", "Atención Técnica")


def make_csv(rows: int, *, dni_base: int) -> str:
    lines = ["Nombre;Teléfono;Documento;Área"]
    for n in range(rows):
        subscriber = f"5{n:06d}"
        phone = (
            f"+54 9 351 {subscriber[:3]}-{subscriber[3:]}",
            f"0351 15 {subscriber[:3]} {subscriber[3:]}",
            f"549351{subscriber}@c.us",
            f"351{subscriber}",
        )[n % 4]
        name = f'"Apellido{n}, Nombre"' if n % 3 == 0 else f"Nombre {n} Apellido"
        dni = dni_base + n
        dni_text = f"{dni // 1_000_000}.{dni // 1000 % 1000:03d}.{dni % 1000:03d}"
        area = ("soporte", "VENTAS", "atencion tecnica", "")[n % 4]
        lines.append(f"{name};{phone};{dni_text};{area}")
    return "\r\n".join(lines) + "\r\n"


def setup_django(database_url: str) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["VENTANILLA_DATA_DIR"] = tempfile.mkdtemp(prefix="vt-bench-import-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def clean() -> None:
    from ventanilla.accounts.models import Area
    from ventanilla.contacts.models import Contact

    Contact.objects.all().delete()
    Area.objects.filter(name__in=AREAS).delete()


def timed(label: str, payload: str, *, dry_run: bool = False) -> dict:
    from django.db import connection, reset_queries

    from ventanilla.contacts.importing import contacts_import_payload

    reset_queries()
    start = time.perf_counter()
    report = contacts_import_payload(fmt="csv", payload=payload, dry_run=dry_run).as_dict()
    seconds = time.perf_counter() - start
    counts = {key: report[key] for key in ("created", "updated", "unchanged")}
    row = {
        "step": label,
        "seconds": round(seconds, 3),
        **counts,
        "rejected": len(report["rejected"]),
        "queries": len(connection.queries),
    }
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="sqlite")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.conf import settings
    from django.db import connection

    from ventanilla.accounts.services import area_create

    settings.DEBUG = True  # so that connection.queries counts the queries
    clean()
    for name in AREAS:
        area_create(name=name)
    first = make_csv(args.rows, dni_base=20_000_000)
    second = make_csv(args.rows, dni_base=30_000_000)
    print(
        f"{connection.vendor}: {args.rows} rows, {len(first.encode()) / 1024:.0f} KiB", flush=True
    )
    try:
        rows = [
            timed("dry run (validate only)", first, dry_run=True),
            timed("create", first),
            timed("same file again (unchanged)", first),
            timed("every DNI changed (update)", second),
        ]
    finally:
        clean()
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "label": args.label,
        "command": " ".join(sys.argv),
        "database": connection.vendor,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "rows_in_file": args.rows,
        "steps": rows,
    }
    (RESULTS / f"import-contacts-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
