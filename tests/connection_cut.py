"""Breaks this thread's database connection from outside, as a network cut or a restarted
database server would: the server ends the session (PostgreSQL, MariaDB). The test then calls
`django.db.connection.close()` to let the next query reconnect, as `close_old_connections()` does
between requests. SQLite has no server to lose (and the tests' database lives in the connection's
memory), so there the statement fails as a failing disk makes SQLite fail."""

from django.db import OperationalError, connection


def cut_connection() -> None:
    raw = connection.connection
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
    elif connection.vendor == "mysql":
        import pymysql

        settings = connection.settings_dict
        other = pymysql.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=int(settings["PORT"] or 3306),
            user=settings["USER"],
            password=settings["PASSWORD"] or "",
        )
        try:
            with other.cursor() as cursor:
                cursor.execute("KILL %s", [raw.thread_id()])
        finally:
            other.close()
    else:
        raise OperationalError("disk I/O error")
