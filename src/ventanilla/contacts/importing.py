"""Contact import: rows of a CSV file or a JSON array, all validated before one transaction.

Reading (`read_csv`, `read_json`, `read_upload`) turns a file into `SourceRow`s: the row number the
user sees (a CSV's header is row 1; a JSON array's first item is row 1), the cells by column
(name, phone, dni, area) and any problem found while reading. `contacts_import` validates every
row, finds existing contacts by canonical phone with a few chunked queries (never one per row),
and writes the valid rows with bulk statements in one transaction; `dry_run` answers the same
report and writes nothing.

CSV is read as RFC 4180 by the csv module: quoted fields, commas, quotes and newlines inside
quotes, UTF-8 with or without a BOM (Windows-1252, Excel's "CSV" in Spanish locales, is accepted
when the bytes are not UTF-8), any line endings, "," or ";" as separator (csv.Sniffer limited to
those two, else the one that splits the first line into more cells). The first non-blank row is
a header when one of its cells names a column and none is a phone; header columns may come in
any order and unknown ones are ignored. Without a header the columns are name, phone, dni, area.

Empty cells never erase what is stored: an empty DNI keeps the stored DNI. A row's name may be
empty only when its phone belongs to a contact already. A cell starting with "'" followed by
"=", "+", "-", "@", a tab, a carriage return or another "'" loses that first "'" (how the export
guards formulas, and how people keep "+54..." as text in a spreadsheet).
"""

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ventanilla.accounts.models import Area
from ventanilla.contacts.models import Contact
from ventanilla.contacts.phones import canonical_phone, normalise_dni
from ventanilla.contacts.services import NAME_MAX
from ventanilla.core import clock
from ventanilla.core.db import retry_transient
from ventanilla.core.errors import Conflict, DomainError, InvalidInput
from ventanilla.core.fields import FieldErrors, checked_text
from ventanilla.core.text import fold

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
LOOKUP_CHUNK = 500  # phones per IN list when finding existing contacts
WRITE_BATCH = 500
UPDATE_BATCH = 100
SNIFF_SAMPLE = 64 * 1024
SHOWN_TEXT = 40  # characters of a bad cell quoted back in a message
AREAS_NAMED = 10  # area names listed when an area is unknown

COLUMNS = ("name", "phone", "dni", "area")
ALIASES = {
    fold(alias): column
    for column, aliases in {
        "name": ("name", "nombre"),
        "phone": ("phone", "telefono", "teléfono", "celular"),
        "dni": ("dni", "documento"),
        "area": ("area", "área", "area_id"),
    }.items()
    for alias in aliases
}
FORMATS = ("csv", "json")
# Cells an exporter protected against spreadsheet formulas: "'=..." is read back as "=...".
_FORMULA_GUARDED = re.compile(r"'[=+\-@\t\r']")

NO_PHONE_COLUMN = gettext_lazy(
    "La cabecera no tiene columna de teléfono: llamá a las columnas nombre, teléfono, documento, "
    "área (o name, phone, dni, area)."
)


class PayloadTooLarge(DomainError):
    status = 413


@dataclass
class SourceRow:
    number: int
    cells: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
        }


# --- reading ---------------------------------------------------------------------------------


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        _("El archivo pesa más de %(size)d MB: dividilo en archivos más chicos.")
        % {"size": MAX_BYTES // (1024 * 1024)}
    )


def _too_many_rows() -> InvalidInput:
    return InvalidInput.field(
        "payload",
        _("El archivo tiene más de %(rows)d filas: dividilo en archivos más chicos.")
        % {"rows": MAX_ROWS},
    )


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (a BOM is dropped), else Windows-1252."""
    if len(data) > MAX_BYTES:
        raise too_large()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InvalidInput.field(
            "file", _("El archivo no es texto: guardalo como CSV UTF-8 (o JSON).")
        ) from error


def _text(payload: str | bytes) -> str:
    if isinstance(payload, bytes):
        return decode(payload)
    if len(payload) > MAX_BYTES // 4 and len(payload.encode()) > MAX_BYTES:
        raise too_large()
    return payload.removeprefix("\ufeff")


def _delimiter(text: str) -> str:
    sample = text[:SNIFF_SAMPLE]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        pass
    first_line = next(iter(sample.splitlines()), "")
    cells = {
        separator: len(next(csv.reader([first_line], delimiter=separator), []))
        for separator in ",;"
    }
    return ";" if cells[";"] > cells[","] else ","


def _unguard(cell: str) -> str:
    cell = cell.strip()
    return cell[1:] if _FORMULA_GUARDED.match(cell) else cell


def _header_columns(record: list[str]) -> list[str | None] | None:
    """The column of each cell when `record` is a header row, else None."""
    columns = [ALIASES.get(fold(cell)) for cell in record]
    if not any(columns):
        return None
    if any(cell.strip() and canonical_phone(cell) is not None for cell in record):
        return None
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, start=1):
        if column is None:
            continue
        if column in seen:
            raise InvalidInput.field(
                "payload",
                _(
                    "La cabecera nombra dos veces la columna «%(column)s» "
                    "(columnas %(first)d y %(second)d)."
                )
                % {"column": column, "first": seen[column], "second": position},
            )
        seen[column] = position
    if "phone" not in seen:
        raise InvalidInput.field("payload", str(NO_PHONE_COLUMN))
    return columns


def _records(text: str) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_delimiter(text), quotechar='"', strict=False
    )
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, record
    except csv.Error as error:
        raise InvalidInput.field(
            "payload", _("Fila %(row)d: %(error)s.") % {"row": number + 1, "error": error}
        ) from error


def read_csv(payload: str | bytes) -> list[SourceRow]:
    """The data rows of a CSV file (see the module's doc for what is accepted)."""
    text = _text(payload)
    rows: list[SourceRow] = []
    columns: list[str | None] | None = None
    header_seen = False
    for number, record in _records(text):
        cells = [_unguard(cell) for cell in record]
        if not any(cells):
            continue  # a blank line: counted, never reported
        if not header_seen:
            header_seen = True
            columns = _header_columns(record)
            if columns is not None:
                continue
        if len(rows) == MAX_ROWS:
            raise _too_many_rows()
        rows.append(_csv_row(number, cells, columns))
    return rows


def _csv_row(number: int, cells: list[str], columns: list[str | None] | None) -> SourceRow:
    row = SourceRow(number, {})
    names = columns if columns is not None else list(COLUMNS)
    for position, cell in enumerate(cells):
        column = names[position] if position < len(names) else None
        if column is not None:
            row.cells[column] = cell
        elif cell and position >= len(names):
            if columns is None:
                message = _(
                    "Esta fila tiene %(cells)d celdas; sin fila de cabecera las columnas son "
                    "nombre, teléfono, DNI, área."
                ) % {"cells": len(cells)}
            else:
                message = _(
                    "Esta fila tiene más celdas que columnas la cabecera (%(columns)d)."
                ) % {"columns": len(names)}
            row.errors["row"] = [message]
            break
    return row


def read_json(payload: list | str | bytes) -> list[SourceRow]:
    """The rows of a JSON array of objects with the columns as keys (aliases accepted)."""
    if isinstance(payload, str | bytes):
        try:
            payload = json.loads(_text(payload))
        except ValueError as error:
            raise InvalidInput.field(
                "payload", _("No es JSON válido: %(error)s.") % {"error": error}
            ) from error
    if not isinstance(payload, list):
        raise InvalidInput.field("payload", _("Una importación JSON es un arreglo de objetos."))
    if len(payload) > MAX_ROWS:
        raise _too_many_rows()
    return [_json_row(number, item) for number, item in enumerate(payload, start=1)]


def _json_row(number: int, item) -> SourceRow:
    row = SourceRow(number, {})
    if not isinstance(item, dict):
        row.errors["row"] = [
            _("Cada elemento tiene que ser un objeto como %(example)s.")
            % {"example": '{"name": …, "phone": …}'}
        ]
        return row
    for key, value in item.items():
        column = ALIASES.get(fold(str(key)))
        if column is None:
            continue
        if column in row.cells:
            row.errors.setdefault(column, []).append(
                _("«%(key)s» repite la columna %(column)s.") % {"key": key, "column": column}
            )
            continue
        if value is None:
            row.cells[column] = ""
        elif isinstance(value, str):
            row.cells[column] = value.strip()
        elif isinstance(value, int) and not isinstance(value, bool):
            row.cells[column] = str(value)
        else:
            row.cells[column] = ""
            row.errors.setdefault(column, []).append(_("Tiene que ser texto o un número entero."))
    return row


def format_of(filename: str, data: bytes) -> str:
    """The format of an uploaded file: by its extension, else by its first character."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "json":
        return "json"
    if extension in ("csv", "txt", "tsv"):
        return "csv"
    start = data[:1024].decode("utf-8-sig", errors="ignore").lstrip()
    return "json" if start.startswith("[") else "csv"


def read(fmt: str | None, payload) -> list[SourceRow]:
    """Rows of `payload` in `fmt` ("csv" or "json"; None: json for a list, else csv)."""
    if fmt is None:
        fmt = "json" if isinstance(payload, list) else "csv"
    if fmt not in FORMATS:
        raise InvalidInput.field("format", _("Usá «csv» o «json»."))
    if fmt == "csv":
        if not isinstance(payload, str | bytes):
            raise InvalidInput.field("payload", _("Una importación CSV es el texto del archivo."))
        return read_csv(payload)
    if not isinstance(payload, list | str | bytes):
        raise InvalidInput.field("payload", _("Una importación JSON es un arreglo de objetos."))
    return read_json(payload)


# --- validating and writing ------------------------------------------------------------------


@dataclass
class _Checked:
    row: SourceRow
    errors: FieldErrors
    phone: str | None = None
    verified: bool = False
    name: str | None = None
    dni: str | None = None
    area_id: int | None = None


class _Areas:
    def __init__(self):
        areas = list(Area.objects.order_by("name_key", "pk").only("pk", "name", "name_key"))
        self.by_key = {area.name_key: area for area in areas}
        self.by_id = {area.pk: area for area in areas}
        self.names = [area.name for area in areas]

    def find(self, text: str) -> Area | None:
        area = self.by_key.get(fold(text))
        if area is None and text.isascii() and text.isdigit() and len(text) < 19:
            area = self.by_id.get(int(text))
        return area

    def unknown(self, text: str) -> str:
        if not self.names:
            return _("Área desconocida «%(area)s»: todavía no hay áreas.") % {"area": _shown(text)}
        listed = ", ".join(self.names[:AREAS_NAMED])
        more = ", …" if len(self.names) > AREAS_NAMED else ""
        return _("Área desconocida «%(area)s»; las áreas son %(areas)s.") % {
            "area": _shown(text),
            "areas": listed + more,
        }


def _check(row: SourceRow, areas: _Areas, first_row_of: dict[str, int]) -> _Checked:
    checked = _Checked(row, FieldErrors())
    errors = checked.errors
    for column, messages in row.errors.items():
        for message in messages:
            errors.add(column, message)
    cells = row.cells
    if cells.get("name"):
        checked.name = checked_text(errors, cells["name"], NAME_MAX)
    phone = cells.get("phone", "")
    if not phone:
        errors.add("phone", _("Falta el teléfono: los contactos se reconocen por su teléfono."))
    else:
        canonical = canonical_phone(phone)
        if canonical is None:
            errors.add("phone", _("«%(phone)s» no es un teléfono.") % {"phone": _shown(phone)})
        else:
            checked.phone, checked.verified = canonical
            first = first_row_of.setdefault(checked.phone, row.number)
            if first != row.number:
                errors.add(
                    "phone",
                    _("La fila %(row)d de este archivo tiene el mismo teléfono (%(phone)s).")
                    % {"row": first, "phone": checked.phone},
                )
    if cells.get("dni"):
        try:
            checked.dni = normalise_dni(cells["dni"])
        except ValueError as error:
            errors.add("dni", str(error))
    if cells.get("area"):
        area = areas.find(cells["area"])
        if area is None:
            errors.add("area", areas.unknown(cells["area"]))
        else:
            checked.area_id = area.pk
    return checked


def _existing(phones: list[str], *, lock: bool) -> dict[str, Contact]:
    """Contacts holding these phones: one query per LOOKUP_CHUNK phones."""
    found: dict[str, Contact] = {}
    contacts = Contact.objects.select_for_update() if lock else Contact.objects.all()
    contacts = contacts.filter(sandbox=False)
    for start in range(0, len(phones), LOOKUP_CHUNK):
        chunk = phones[start : start + LOOKUP_CHUNK]
        for contact in contacts.filter(phone__in=chunk).order_by():
            found[contact.phone] = contact
    return found


def _changes(contact: Contact, checked: _Checked) -> list[str]:
    """Applies the row's non-empty cells to `contact`; the fields that changed."""
    changed = []
    for attribute, value in (
        ("name", checked.name),
        ("dni", checked.dni),
        ("area_id", checked.area_id),
    ):
        if value is not None and getattr(contact, attribute) != value:
            setattr(contact, attribute, value)
            changed.append(attribute)
    return changed


def _write(creates: list[Contact], updates: list[Contact], fields: set[str]) -> None:
    Contact.objects.bulk_create(creates, batch_size=WRITE_BATCH)
    # bulk_update writes CASE WHEN id = ... per field: its cost grows with the batch squared, so
    # small batches and only the fields that changed somewhere; updated_at is one value for all
    for start in range(0, len(updates), UPDATE_BATCH):
        batch = updates[start : start + UPDATE_BATCH]
        Contact.objects.bulk_update(batch, sorted(fields))
    now = clock.now()
    for start in range(0, len(updates), LOOKUP_CHUNK):
        pks = [contact.pk for contact in updates[start : start + LOOKUP_CHUNK]]
        Contact.objects.filter(pk__in=pks).update(updated_at=now)


def _run(rows: list[SourceRow], *, write: bool) -> ImportReport:
    report = ImportReport(dry_run=not write)
    areas = _Areas()
    first_row_of: dict[str, int] = {}
    checked = [_check(row, areas, first_row_of) for row in rows]
    existing = _existing(sorted(first_row_of), lock=write)
    creates: list[Contact] = []
    updates: list[Contact] = []
    changed_fields: set[str] = set()
    for item in checked:
        contact = existing.get(item.phone) if item.phone else None
        unknown_phone = contact is None and "phone" not in item.errors.errors
        if unknown_phone and item.phone and item.name is None:
            item.errors.add(
                "name",
                _("Un contacto nuevo necesita nombre (ningún contacto tiene este teléfono)."),
            )
        if item.errors.errors:
            report.rejected.append({"row": item.row.number, "errors": item.errors.errors})
        elif contact is None:
            creates.append(
                Contact(
                    name=item.name,
                    phone=item.phone,
                    phone_verified=item.verified,
                    dni=item.dni or "",
                    area_id=item.area_id,
                )
            )
        elif changed := _changes(contact, item):
            updates.append(contact)
            changed_fields.update(changed)
        else:
            report.unchanged += 1
    report.created, report.updated = len(creates), len(updates)
    if write:
        _write(creates, updates, changed_fields)
    return report


@retry_transient(3, integrity_errors=True)
def _import_atomic(rows: list[SourceRow]) -> ImportReport:
    with transaction.atomic():
        return _run(rows, write=True)


def contacts_import(*, rows: list[SourceRow], dry_run: bool = False) -> ImportReport:
    """Validates every row, then writes the valid ones in one transaction (none on a dry run).

    Rejected rows are reported and never written; valid rows are written all together or not
    at all. A contact created meanwhile with one of the file's phones makes the import start
    over (it then updates that contact); a second such collision is a 409 and nothing is written.
    """
    if dry_run:
        return _run(rows, write=False)
    try:
        return _import_atomic(rows)
    except IntegrityError as error:
        raise Conflict(
            _(
                "Otros cambios a estos contactos ocurrieron durante la importación; no se escribió "
                "nada. Probá de nuevo."
            )
        ) from error


def contacts_import_payload(*, fmt: str | None, payload, dry_run: bool = False) -> ImportReport:
    """Reads `payload` (CSV text or bytes, a JSON array) in `fmt` and imports it."""
    return contacts_import(rows=read(fmt, payload), dry_run=dry_run)
