"""Contact export: CSV (name, phone, dni, area) streamed in chunks, never built in memory.

The file is UTF-8 with a BOM (so Excel reads the accents), RFC 4180 with "," and CRLF, and
importable back unchanged (contacts.importing reads it: every row is "unchanged"). Contacts known
only by their WhatsApp user id (no phone) are left out: an import matches contacts by phone.

A name or area that a spreadsheet would run as a formula (starting with "=", "+", "-", "@", a
tab or a carriage return) is written with a leading "'" (OWASP's advice against CSV injection: a
customer's WhatsApp profile name is theirs to choose), and so is one starting with "'" itself;
the importer drops that one "'" again. Phones are left as they are: "+5493515551111" is a number
to a spreadsheet, not a formula that runs.
"""

import csv
import io
from collections.abc import Iterator

from ventanilla.contacts.models import Contact

HEADER = ("name", "phone", "dni", "area")
BOM = "\ufeff"
FETCH_CHUNK = 2000
LINES_PER_PIECE = 500  # rows per piece handed to the response (about 25 KB)
# and "'" itself, so that a name starting with "'" survives the importer dropping the guard
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def guarded(cell: str) -> str:
    """`cell` safe to open in a spreadsheet (see the module's docstring)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def export_rows() -> Iterator[tuple[str, str, str, str]]:
    """(name, phone, dni, area name) of every customer with a phone, in name order; not the
    sandbox phone's contacts, which an import would take for real customers (ADR 0018)."""
    contacts = (
        Contact.objects.filter(phone__isnull=False, sandbox=False)
        .order_by("name", "pk")
        .values_list("name", "phone", "dni", "area__name")
    )
    for name, phone, dni, area in contacts.iterator(chunk_size=FETCH_CHUNK):
        yield guarded(name), phone, dni, guarded(area or "")


def export_csv() -> Iterator[bytes]:
    """The CSV file in pieces of LINES_PER_PIECE rows, the BOM and the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADER)
    lines = 0
    for row in export_rows():
        writer.writerow(row)
        lines += 1
        if lines == LINES_PER_PIECE:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            lines = 0
    yield buffer.getvalue().encode()
