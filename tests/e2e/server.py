"""A real `ventanilla serve` for the browser tests: its own data folder, port and database.

The server is a subprocess started as `make run` starts it (embedded mode: uvicorn, the in-process
job consumer, the in-memory channel layer), so pages and sockets go over real HTTP and WebSocket.
When the suite runs on PostgreSQL or MariaDB (DATABASE_URL set), the server gets a database of its
own on the same server, created here and dropped afterwards; else the embedded SQLite file in its
data folder.
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pytest

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "Mesa-de-ayuda-e2e-2026"
STARTUP_SECONDS = 60
SQLITE_FILE = "ventanilla.sqlite3"

_databases = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnDatabase:
    """A throwaway database beside the one DATABASE_URL names (PostgreSQL or MariaDB/MySQL)."""

    def __init__(self, suite_url: str):
        parts = urlsplit(suite_url)
        self.kind = "postgres" if parts.scheme.startswith(("postgres", "pgsql")) else "mysql"
        base = unquote(parts.path.lstrip("/")) or "ventanilla"
        self.name = f"{base[:40]}_e2e_{os.getpid()}_{next(_databases)}"
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        self._parts = parts

    def _server(self):
        parts = self._parts
        common = {
            "host": parts.hostname or "127.0.0.1",
            "user": unquote(parts.username or ("postgres" if self.kind == "postgres" else "root")),
            "password": unquote(parts.password or ""),
        }
        if self.kind == "postgres":
            import psycopg

            return psycopg.connect(
                dbname="postgres", port=parts.port or 5432, autocommit=True, **common
            )
        import pymysql

        return pymysql.connect(port=parts.port or 3306, autocommit=True, **common)

    def create(self) -> None:
        with self._server() as server, server.cursor() as cursor:
            if self.kind == "postgres":
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            else:
                cursor.execute(
                    f"CREATE DATABASE `{self.name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )

    def drop(self) -> None:
        with self._server() as server, server.cursor() as cursor:
            if self.kind == "postgres":
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            else:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")


def migrated_sqlite_file(folder: Path) -> Path:
    """An empty desk's SQLite file, migrated by `ventanilla migrate` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["VENTANILLA_DATA_DIR"] = str(folder)
    done = subprocess.run(
        [sys.executable, "-m", "ventanilla", "migrate", "--no-input", "-v0"],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / SQLITE_FILE


def own_database() -> OwnDatabase | None:
    """The server's database when the suite runs on PostgreSQL or MariaDB; None on SQLite."""
    suite_url = os.environ.get("DATABASE_URL", "").strip()
    if not suite_url or suite_url.startswith("sqlite"):
        return None
    return OwnDatabase(suite_url)


class Server:
    """`python -m ventanilla serve` on 127.0.0.1; a stop and a start keep port, folder, data."""

    def __init__(
        self,
        folder: Path,
        *,
        demo: bool = False,
        database: OwnDatabase | None = None,
        migrated_file: Path | None = None,
    ):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        if (
            migrated_file is not None
        ):  # SQLite: a desk migrated once, copied (serve finds no migration left)
            (folder / "data").mkdir(mode=0o700)
            shutil.copy(migrated_file, folder / "data" / SQLITE_FILE)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.demo = demo
        self.database = database
        self.log = folder / "serve.log"
        self.process: subprocess.Popen | None = None
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update(
            VENTANILLA_DATA_DIR=str(folder / "data"),
            HOST="127.0.0.1",
            PORT=str(self.port),
            VENTANILLA_ADMIN_USERNAME=ADMIN_USERNAME,
            VENTANILLA_ADMIN_PASSWORD=ADMIN_PASSWORD,
            WHATSAPP_PROVIDER="sandbox",
            LANGUAGE_CODE="es",
            PYTHONUNBUFFERED="1",
            WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",  # receivers in tests listen on 127.0.0.1
        )
        if database is not None:
            self.env["DATABASE_URL"] = database.url

    def start(self) -> None:
        command = [sys.executable, "-m", "ventanilla", "serve", *(["--demo"] if self.demo else [])]
        with self.log.open("a") as out:
            out.write(f"\n--- {' '.join(command[1:])} on port {self.port}\n")
            out.flush()
            self.process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.folder
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"serve did not answer /healthz in {STARTUP_SECONDS} s:\n{self.log_text()}")

    def stop(self) -> None:
        """SIGTERM, as a service manager restarting it would: every open socket is dropped."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def manage(self, *args: str) -> str:
        """A one-off `ventanilla <command>` on the same settings and data (no server needed)."""
        done = subprocess.run(
            [sys.executable, "-m", "ventanilla", *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else "(no log)"
