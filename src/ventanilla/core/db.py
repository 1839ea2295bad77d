"""Database helpers that every app may use."""

import logging
import random
import time
from functools import cache, wraps

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models.lookups import In

log = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock (PostgreSQL)
RETRYABLE_MYSQL_CODES = {1213, 1205}  # deadlock, lock wait timeout (MariaDB/MySQL)


def is_transient(error: OperationalError) -> bool:
    cause = error.__cause__ or error
    if getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    code = error.args[0] if error.args else None
    if isinstance(code, int) and code in RETRYABLE_MYSQL_CODES:
        return True
    return "database is locked" in str(error)


def database_unusable(error: Exception) -> bool:
    """Whether `error` must end the whole transaction: the connection broke, the database broke a
    deadlock (the outermost transaction retries), or rolling back to a savepoint failed so Django
    marked the transaction for rollback. Swallowing such an error would let the outer `atomic()`
    roll back without raising, and a webhook be answered 200 for nothing stored."""
    if isinstance(error, InterfaceError | OperationalError):
        return True
    return connection.in_atomic_block and transaction.get_rollback()


def retry_transient(attempts: int = 5, *, integrity_errors: bool = False):
    """Runs a whole transaction again when the database broke a deadlock or a lock timed out,
    and, with `integrity_errors`, when a concurrent transaction inserted the same unique row first
    (the next attempt finds that row instead of inserting it).

    Must wrap the outermost `transaction.atomic()`: a retry inside one would reuse a dead
    transaction.
    """

    def decorate(function):
        @wraps(function)
        def run(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except (OperationalError, IntegrityError) as error:
                    retryable = (
                        integrity_errors
                        if isinstance(error, IntegrityError)
                        else is_transient(error)
                    )
                    if attempt == attempts or not retryable or connection.in_atomic_block:
                        raise
                    time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311
            return None

        return run

    return decorate


def until_stored(write, *, seconds: float, what: str):
    """Runs `write()` (one transaction of its own) again and again, reconnecting in between,
    while the database is unreachable, for up to `seconds`; then raises the last error. For a
    fact that exists only in this process (WhatsApp accepted a send) and must not be lost to a
    short database outage."""
    deadline = time.monotonic() + seconds
    delay = 0.1
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as error:
            if connection.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            log.warning("%s: the database failed (%s); trying again", what, error)
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


# --- rows inserted by statements built once (ADR 0039) ---------------------------------------


def insert_rows(rows: list) -> list:
    """New rows of one model inserted as Django's `bulk_create` would (defaults and `auto_now_add`
    taken, the ids set, the rows marked saved), by an INSERT whose text is built once per model
    and row count: building and compiling Django's InsertQuery cost more than running it, on the
    hottest writes (a customer's message, the bot's replies, every live event). One statement for
    all where the database returns a batch's ids, one per row elsewhere."""
    if not rows:
        return rows
    meta = rows[0]._meta
    if any(row.pk is not None for row in rows):
        raise ValueError("insert_rows inserts new rows only")
    fields = _insert_fields(meta)
    values = [
        [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
        for row in rows
    ]
    pk = meta.pk
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:
            size = max(1, connection.ops.bulk_batch_size(fields, rows))
            ids = []
            for start in range(0, len(rows), size):
                chunk = values[start : start + size]
                sql = _insert_sql(meta, len(chunk), True, connection.vendor)
                cursor.execute(sql, [value for row in chunk for value in row])
                ids.extend(row[0] for row in cursor.fetchall())
        else:
            ids = []
            for row_values in values:
                cursor.execute(_insert_sql(meta, 1, False, connection.vendor), row_values)
                ids.append(connection.ops.last_insert_id(cursor, meta.db_table, pk.column))
    for row, row_id in zip(rows, ids, strict=True):
        setattr(row, pk.attname, row_id)
        row._state.adding = False
        row._state.db = connection.alias
    return rows


def _insert_fields(meta) -> list:
    return [field for field in meta.local_concrete_fields if field is not meta.pk]


@cache
def _insert_sql(meta, count: int, returning: bool, vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _insert_fields(meta))
    row = "(" + ", ".join(["%s"] * len(_insert_fields(meta))) + ")"
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * count)}"  # noqa: S608 (names from the model)
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql


def save_fields(rows: list, names: list[str]) -> None:
    """The named fields of model rows saved by one UPDATE statement run per row in one call
    (its text built once; pipelined on PostgreSQL). Django's bulk_update builds a CASE expression
    per row and field, which cost a third of a batch's CPU."""
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in names]
    values = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_update_sql(meta, tuple(names), connection.vendor), values)


@cache
def _update_sql(meta, names: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    table, key = quote(meta.db_table), quote(meta.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 (names from the model)


class InIds(In):
    """`lhs IN ids` that PostgreSQL gets as `lhs = ANY(%s)` with one array parameter: the
    statement's text is the same however many ids there are, so psycopg keeps it parsed and
    PostgreSQL may keep it prepared (DATABASE_PREPARE_THRESHOLD), and a few hundred ids are not
    placeholders to bind one by one. The other databases get Django's `IN (…)`. No ids, no
    statement (as `In`). Usage: `.filter(InIds(F("pk"), ids))`."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = list(self.rhs)
        if not ids:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s)", (*lhs_params, ids)
