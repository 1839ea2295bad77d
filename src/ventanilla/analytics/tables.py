"""The report's tables as rows, and as CSV: the same tables the console shows and the API gives
(docs/analytics.md#csv).

A row's nested figures are flattened ("first_response": {"median": 60.0} is the column
`first_response_median`), so the figures later features add to a row (`selectors.agent_extras`)
become columns too. UTF-8 with a BOM (spreadsheets read the accents), "," and CRLF; names a
spreadsheet would run as a formula get a leading "'" (contacts.exporting.guarded).
"""

import csv
import io

from ventanilla.contacts.exporting import BOM, guarded

STATS = ("count", "median", "p90")
# table -> (where its rows are in the report, its columns: plain, or a group and its keys)
TABLES: dict[str, tuple[tuple[str, ...], list]] = {
    "per_day": (("per_day",), ["date", "opened", "closed", "messages_in", "messages_out"]),
    "agents": (
        ("agents",),
        ["user_id", "name", "conversations", ("first_response", STATS), ("resolution", STATS)],
    ),
    "areas": (
        ("areas",),
        [
            "area_id",
            "name",
            "conversations",
            ("first_response", STATS),
            ("resolution", STATS),
            ("queue_wait", STATS),
        ],
    ),
    "now": (
        ("now", "by_area"),
        ["area_id", "name", "bot", "queued", "active", "closed_today"],
    ),
    "flow_exits": (
        ("flow_exits",),
        ["flow_id", "flow", "node_id", "node", "exit", "conversations"],
    ),
    "labels": (("labels",), ["label_id", "name", "color", "opened", "open"]),
}
_TEXT = {"name", "flow", "node"}


def _flat(row: dict) -> dict:
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{sub}": inner for sub, inner in value.items()})
        else:
            flat[key] = value
    return flat


def _header(columns: list) -> list[str]:
    header = []
    for column in columns:
        if isinstance(column, tuple):
            group, keys = column
            header += [f"{group}_{key}" for key in keys]
        else:
            header.append(column)
    return header


def table(report: dict, name: str) -> tuple[list[str], list[list]]:
    """(header, rows) of the report's table `name` (a key of TABLES)."""
    path, columns = TABLES[name]
    rows = report
    for key in path:
        rows = rows[key]
    flat = [_flat(row) for row in rows]
    header = _header(columns)
    for row in flat:  # figures later features add, after the known columns
        header += [key for key in row if key not in header]
    return header, [[row.get(key) for key in header] for row in flat]


def _cell(key: str, value) -> str:
    if value is None:
        return ""
    text = str(value)
    return guarded(text) if key in _TEXT else text


def csv_text(report: dict, name: str) -> str:
    """The table as a CSV file (durations in seconds, as in the API)."""
    header, rows = table(report, name)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(key, value) for key, value in zip(header, row, strict=True)])
    return buffer.getvalue()


def csv_filename(report: dict, name: str) -> str:
    return f"{name}-{report['from']}-{report['to']}.csv"
