"""Keyset (cursor) pagination shared by the API and the console.

Cursors are signed, so one that this server did not hand out is refused, never half-trusted; and
signed for one list (its model and ordering), so one handed out by another list is refused too.
"""

from datetime import date

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ventanilla.core.errors import InvalidInput

MAX_LIMIT = 200
CURSOR_SALT = "ventanilla.cursor"


class PageQuery:
    """What a page request carries; the API's schema and the console's views both give one."""

    def __init__(self, limit: int, cursor: str | None):
        self.limit, self.cursor = limit, cursor


def _salt(queryset: QuerySet, ordering: tuple[str, ...]) -> str:
    return f"{CURSOR_SALT}:{queryset.model._meta.label}:{','.join(ordering)}"


def _encode(values: list, salt: str) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return signing.dumps(plain, salt=salt)


def _decode(cursor: str, size: int, salt: str) -> list:
    try:
        values = signing.loads(cursor, salt=salt)
    except signing.BadSignature as error:
        raise InvalidInput.field("cursor", _("No es un cursor que haya dado esta API.")) from error
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput.field("cursor", _("No es un cursor que haya dado esta API."))
    return values


def _after(ordering: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in `ordering` (fields, "-" for descending)."""
    condition = Q()
    for index, field in enumerate(ordering):
        name = field.lstrip("-")
        step = Q(**{f"{name}__lt" if field.startswith("-") else f"{name}__gt": values[index]})
        for previous, value in zip(ordering[:index], values[:index], strict=True):
            step &= Q(**{previous.lstrip("-"): value})
        condition |= step
    return condition


def keyset_page(queryset: QuerySet, *, ordering: tuple[str, ...], page):
    """One page of `queryset` in `ordering` (ending with a unique field) and the next cursor."""
    if not 1 <= page.limit <= MAX_LIMIT:
        raise InvalidInput.field("limit", _("Usá un número de 1 a %(max)d.") % {"max": MAX_LIMIT})
    salt = _salt(queryset, ordering)
    queryset = queryset.order_by(*ordering)
    if page.cursor:
        queryset = queryset.filter(_after(ordering, _decode(page.cursor, len(ordering), salt)))
    rows = list(queryset[: page.limit + 1])
    items, more = rows[: page.limit], len(rows) > page.limit
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = _encode([_attribute(last, field.lstrip("-")) for field in ordering], salt)
    return items, next_cursor


def _attribute(row, path: str):
    value = row
    for part in path.split("__"):
        value = getattr(value, part)
    return value
