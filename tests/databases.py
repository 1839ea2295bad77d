"""Tests that need more of the database than SQLite gives say so with one of these markers, each
with its reason:

    @needs_concurrent_writers()  # the common reason: threads racing to write
    @needs_concurrent_writers("... why this race needs a server database ...")
    @needs_postgresql("... why only PostgreSQL shows it ...")

The conditions are read from the settings, so the skip is decided when the module is collected.
"""

import pytest
from django.db import connection

# Django tests SQLite on an in-memory database unless a TEST NAME is configured (the settings
# configure none): one shared cache that threads cannot write at once.
SQLITE_IN_MEMORY = connection.vendor == "sqlite" and not connection.settings_dict["TEST"]["NAME"]

NO_RACE_ON_SQLITE = (
    "SQLite serialises writers (and its in-memory test database is one shared cache that "
    "threads cannot write at once), so there is no race to test; runs on PostgreSQL and MariaDB"
)


def needs_concurrent_writers(reason: str = NO_RACE_ON_SQLITE) -> pytest.MarkDecorator:
    """Skips the test on SQLite's in-memory test database, saying `reason`."""
    return pytest.mark.skipif(SQLITE_IN_MEMORY, reason=reason)


def needs_postgresql(reason: str) -> pytest.MarkDecorator:
    """Skips the test unless the database is PostgreSQL, saying `reason`."""
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)
