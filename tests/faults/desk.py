"""The desk under test, as real processes: `ventanilla web` x2 + `ventanilla worker` on PostgreSQL
and Redis (scaled mode), or one `ventanilla serve` on SQLite (embedded mode).

Each process writes to its own log file in the scenario's folder. `kill9()` is `kill -9`, and
`restart()` starts the same command again, on the same port and environment, as a supervisor
(systemd, Kubernetes) would.
"""

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

STARTUP_SECONDS = 60
SETUP_SECONDS = 180
LOG_TAIL_LINES = 80

PHONE_NUMBER_ID = "555000111"
ACCESS_TOKEN = "faults-access-token"
APP_SECRET = "faults-app-secret"
ADMIN_PASSWORD = "Faults-Admin-2026"

_databases = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_environment(data_dir: Path, graph_url: str) -> dict[str, str]:
    """What every desk process of a scenario gets: a Cloud API line whose Graph is the fake."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        VENTANILLA_DATA_DIR=str(data_dir),
        HOST="127.0.0.1",
        WHATSAPP_PROVIDER="cloud",
        WHATSAPP_CLOUD_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_CLOUD_ACCESS_TOKEN=ACCESS_TOKEN,
        WHATSAPP_CLOUD_APP_SECRET=APP_SECRET,
        WHATSAPP_CLOUD_API_URL=graph_url,
        VENTANILLA_ADMIN_USERNAME="admin",
        VENTANILLA_ADMIN_PASSWORD=ADMIN_PASSWORD,
        SCHEDULER_INTERVAL_SECONDS="1",
        LOG_LEVEL="WARNING",
        # how long a claimed send may take before its outcome counts as unknown; then how long
        # to wait for WhatsApp's status before sending again; the sweep re-enqueues a queued
        # reply only once it has waited this long
        OUTBOX_CLAIM_SECONDS="8",
        OUTBOX_UNKNOWN_OUTCOME_SECONDS="6",
        OUTBOX_REQUEUE_SECONDS="5",
        PYTHONUNBUFFERED="1",
    )
    return env


class PostgresDatabase:
    """A throwaway database on 127.0.0.1:5432 (user postgres, trust), dropped by `drop()`."""

    def __init__(self, port: int = 5432):
        self.port = port
        self.name = f"ventanilla_faults_{os.getpid()}_{next(_databases)}"

    def _server(self):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )

    def create(self, *, template: "PostgresDatabase | None" = None) -> None:
        """Empty, or a copy of `template` (a bootstrapped desk no one is connected to)."""
        copied = f' TEMPLATE "{template.name}"' if template else ""
        with self._server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{self.name}"{copied}')

    def drop(self) -> None:
        with self._server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def url(self, port: int) -> str:
        """The URL the desk gets: through the proxy listening on `port`."""
        return f"postgres://postgres@127.0.0.1:{port}/{self.name}"

    def connect(self):
        """A direct connection for the test's own reads (not through the proxy)."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=self.name,
            autocommit=True,
            connect_timeout=5,
        )


class DeskProcess:
    def __init__(self, name: str, args: list[str], env: dict, folder: Path, port: int | None):
        self.name = name
        self.command = [sys.executable, "-m", "ventanilla", *args]
        self.env = dict(env)
        if port is not None:
            self.env["PORT"] = str(port)
        self.folder = folder
        self.port = port
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        self.starts += 1
        with self.log.open("a") as out:
            out.write(f"\n--- start #{self.starts}: {' '.join(self.command[1:])}\n")
            out.flush()
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: nothing it starts outlives it
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> float:
        """Until GET /readyz answers 200 (a process without a port: until it has stayed up a
        second). Returns when, in time.monotonic()."""
        deadline = time.monotonic() + timeout
        if self.port is None:
            time.sleep(1.0)
            if not self.alive():
                raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
            return time.monotonic()
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    def kill9(self) -> float:
        """`kill -9` of the process; returns when it is dead (time.monotonic())."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        with self.log.open("a") as out:
            out.write(f"\n--- killed with SIGKILL (pid {self.process.pid})\n")
        return time.monotonic()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL for the whole process group if it does not end in time."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=8)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # the group we created for it
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The log's last lines, leaving out uvicorn's access lines of requests answered 200
        (hundreds per scenario, they would bury the errors); 503s and the rest are kept."""
        if not self.log.exists():
            return "(no log)"
        kept = [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if not (line.startswith("INFO:") and '" 200 OK' in line)
        ]
        return "\n".join(kept[-lines:])


def run_command(args: list[str], env: dict, folder: Path, log: Path) -> None:
    """A one-off `ventanilla <args>` (migrate, seed_demo, prepare), its output kept in `log`."""
    with log.open("a") as out:
        out.write(f"\n--- {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            [sys.executable, "-m", "ventanilla", *args],
            env=env,
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=SETUP_SECONDS,
            check=False,
        )
    if done.returncode != 0:
        text = log.read_text(errors="replace")[-5000:]
        raise RuntimeError(f"`ventanilla {' '.join(args)}` exited {done.returncode}:\n{text}")


def bootstrap(env: dict, folder: Path) -> None:
    """What an operator runs once: migrate, the demo desk (with its menu flow), the line."""
    log = folder / "setup.log"
    for args in (["migrate", "--no-input", "-v0"], ["seed_demo"], ["prepare"]):
        run_command(args, env, folder, log)
