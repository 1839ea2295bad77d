"""Database helpers that every app may use."""

import logging
import random
import time
from functools import wraps

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction

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
