"""Round trip: customers write, the bot answers through a fake Graph API, statuses come back.

Three kinds of processes, each timed and measured on its own:

- the desk: one `ventanilla serve` on SQLite (`--mode embedded`), or `--web` x `ventanilla web` on
  ports of their own plus `--workers` x `ventanilla worker` on a fresh PostgreSQL database and Redis
  (`--mode scaled`); a Cloud API line whose Graph API is the fake one; the demo desk, whose menu
  flow greets every new customer;
- the fake Graph API (`bench/roundtrip.py _graph`, uvicorn): answers each send as Meta does (a
  message id) after `--graph-latency`, records when it accepted it, to whom and what, and posts
  the signed `sent`, `delivered` and `read` status webhooks of every send back to the desk's web
  processes in turn;
- the load generator (this process): signed one-message Cloud API webhooks sent open-loop (on a
  fixed schedule whatever the answers, so slow answers are not hidden), alternating web processes;
  each message from a new customer ("Hola": the greeting and the DNI question) or a returning one,
  who goes on with the menu flow (the DNI, then "3", Horarios, which closes the conversation; then
  "Hola" again, which the flow answers with the menu: their DNI is on file). `--consoles`
  console sockets (`bench/roundtrip.py _consoles`, a process of the generator's) hold `/ws/`
  open as admins and supervisors, who see the bot's conversations.

Rates ramp (`--rates`, `--seconds` each, after `--warmup` seconds at the first rate) until one is
not kept up with: sent below 98% of the rate, an error, or a customer message whose replies had
not all reached the Graph `--drain` seconds after the step. Per rate: webhook answer, message ->
first bot reply accepted by the Graph, message -> `message:new` on each console socket (p50/p99,
all timed from the moment the message was due), status webhooks accepted and replies `read` in
the desk's database, errors, and the CPU (cores) and peak RSS of every process: desk, fake Graph,
generator, consoles, and in scaled mode PostgreSQL (the server's own processes and this
database's backends) and Redis (the whole server). Results go to
bench/results/roundtrip-<label>.json and a markdown table is printed.

    uv run python bench/roundtrip.py --mode embedded --label embedded
    uv run python bench/roundtrip.py --mode scaled --web 2 --workers 1 --label scaled \
        --database-url postgres://postgres@127.0.0.1:5432/vt_roundtrip --redis-url redis://127.0.0.1:6379/5

The database of --database-url is dropped and created again (its name must start with `vt_` or
contain `bench`); the Redis keys get a prefix of this run's and are deleted afterwards. Only
127.0.0.1 is ever contacted; every loop is bounded in count and time; every process is started in
a process group of its own and the group is killed at the end, whatever happened.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest import (  # noqa: E402
    APP_SECRET,
    PHONE_NUMBER_ID,
    RawHttp,
    free_port,
    percentile,
    signature,
    webhook,
)

RESULTS = ROOT / "bench" / "results"
ACCESS_TOKEN = "bench-access-token"
ADMIN_USERNAME, ADMIN_PASSWORD = "bench", "Bench-Password-2026"
DEMO_SUPERVISOR, DEMO_PASSWORD = "supervisora", "demo-ventanilla-2026"  # runtime/demo.py
CONSOLE_PASSWORD = "Bench-Console-2026!"
STATUSES = ("sent", "delivered", "read")
WEBHOOK_PATH = "/webhooks/whatsapp/cloud"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# What a customer writes, in turn, and how the demo menu flow (runtime/demo.py) answers each: the
# start of every reply it sends, in order. "Hola" also restarts the flow (one of its triggers).
SCRIPT = (
    ("Hola", ("¡Hola! 👋", "Para empezar")),
    ("{dni}", ("Gracias. ¿En qué",)),  # the menu (an interactive list on the Cloud API)
    ("3", ("Atendemos de lunes", "Escribí «menú»")),  # Horarios, then the end that closes
)
# Once their DNI is on file the flow does not ask it again: "Hola" is answered with the menu.
RETURNING = (
    ("Hola", ("¡Hola! 👋", "Gracias. ¿En qué")),
    ("3", ("Atendemos de lunes", "Escribí «menú»")),
)

REQUEST_TIMEOUT = 10.0  # seconds a webhook or a status post may take before it counts as failed
IDLE_SECONDS = 4.0  # a kept-alive connection idle this long is not reused (uvicorn closes at 5 s)
STARTUP_SECONDS = 90.0
SAMPLE_SECONDS = 0.5
POLL_SECONDS = 0.25
STATUS_DEADLINE_SECONDS = 60.0  # the fake Graph gives up a status not accepted by then
STATUS_ATTEMPTS = 30


# --- HTTP/1.1 keep-alive connections (httpx costs ~2 ms of CPU per request; these ~0.05 ms) ----


class Connection(RawHttp):
    """ingest.RawHttp with a timeout; a connection that failed is closed (and not reused)."""

    async def request(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        try:
            return await asyncio.wait_for(self.post(path, body, headers), REQUEST_TIMEOUT)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Pool:
    """At most `size` connections to one server, the most recently used first."""

    def __init__(self, host: str, port: int, size: int):
        self.host, self.port = host, port
        self.idle: list[tuple[Connection, float]] = []
        self.slots = asyncio.Semaphore(size)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        await self.slots.acquire()
        connection = None
        try:
            while self.idle and connection is None:
                candidate, since = self.idle.pop()
                if time.monotonic() - since < IDLE_SECONDS:
                    connection = candidate
                else:
                    candidate.close()
            connection = connection or Connection(self.host, self.port)
            status = await connection.request(path, body, headers)
            self.idle.append((connection, time.monotonic()))
            return status
        finally:
            self.slots.release()

    def close(self) -> None:
        for connection, _ in self.idle:
            connection.close()
        self.idle.clear()


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


# --- the fake Graph API (its own process) ----------------------------------------------------


class FakeGraph:
    """POST /{phone number id}/messages as Meta answers it, then the send's three statuses posted
    back as signed webhooks, each posted again until the desk answers 200 (bounded). GET
    /bench/sends?since=N and /bench/stats tell the generator what happened."""

    def __init__(self, args):
        self.latency = args.latency
        self.delays = args.status_delays
        self.targets = [host_port(url) for url in args.webhooks.split(",")]
        self.connections = max(1, args.connections // len(self.targets))
        self.pools: list[Pool] = []
        self.turn = itertools.count()
        self.ids = itertools.count(1)
        self.token = os.urandom(4).hex()
        self.sends: list[list] = []  # [wamid, to, text (start), accepted at (monotonic)]
        self.counts: Counter = Counter()
        self.pending = 0  # sends whose statuses are not all accepted (or given up) yet
        self.in_progress = 0  # sends received, not answered yet
        self.in_progress_peak = 0  # the most at once since the last /bench/stats?reset=1
        self.tasks: set[asyncio.Task] = set()

    async def app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if body is None:
            return
        path, method = scope["path"], scope["method"]
        if method == "GET" and path == "/bench/sends":
            since = int(parse_qs(scope["query_string"].decode()).get("since", ["0"])[0])
            rows = self.sends[since:]
            await _respond(send, 200, {"sends": rows, "next": since + len(rows)})
        elif method == "GET" and path == "/bench/stats":
            stats = {**self.counts, "sends": len(self.sends), "pending": self.pending}
            stats.update(in_progress=self.in_progress, in_progress_peak=self.in_progress_peak)
            if b"reset=1" in scope["query_string"]:
                self.in_progress_peak = self.in_progress
            await _respond(send, 200, stats)
        elif method == "POST" and path == f"/{PHONE_NUMBER_ID}/messages":
            self.in_progress += 1
            self.in_progress_peak = max(self.in_progress_peak, self.in_progress)
            try:
                status, answer = await self._send(scope, body)
            finally:
                self.in_progress -= 1
            await _respond(send, status, answer)
        else:
            await _respond(send, 404, _graph_error(100, f"Unsupported {method} {path}"))

    async def _send(self, scope, raw: bytes) -> tuple[int, dict]:
        if self.latency:
            await asyncio.sleep(self.latency)
        headers = dict(scope["headers"])
        if headers.get(b"authorization") != f"Bearer {ACCESS_TOKEN}".encode():
            self.counts["refused"] += 1
            return 401, _graph_error(190, "Invalid OAuth access token")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            self.counts["refused"] += 1
            return 400, _graph_error(100, "messaging_product must be whatsapp")
        if body.get("status") == "read":
            self.counts["read_receipts"] += 1
            return 200, {"success": True}
        to = str(body.get("to") or "")
        wamid = f"wamid.GRAPH{self.token}{next(self.ids):07d}"
        self.sends.append([wamid, to, _text_of(body)[:60], time.monotonic()])
        ref = body.get("biz_opaque_callback_data")
        task = asyncio.create_task(self._statuses(wamid, to, ref if isinstance(ref, str) else None))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        contact = {"input": to, "wa_id": to}
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": wamid}],
        }

    async def _statuses(self, wamid: str, to: str, ref: str | None) -> None:
        self.pending += 1
        try:
            for status, delay in zip(STATUSES, self.delays, strict=True):
                await asyncio.sleep(delay)
                if not await self._post_status(_status_body(wamid, to, ref, status)):
                    break
        finally:
            self.pending -= 1

    async def _post_status(self, body: dict) -> bool:
        if not self.pools:
            self.pools = [Pool(host, port, self.connections) for host, port in self.targets]
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(raw)}
        deadline, pause = time.monotonic() + STATUS_DEADLINE_SECONDS, 0.1
        for _ in range(STATUS_ATTEMPTS):
            pool = self.pools[next(self.turn) % len(self.pools)]
            try:
                answer = await pool.post(WEBHOOK_PATH, raw, headers)
            except Exception as error:  # refused, reset, timed out: posted again, as Meta does
                answer = type(error).__name__
            if answer == 200:
                self.counts["statuses_accepted"] += 1
                return True
            self.counts[f"status_answer_{answer}"] += 1
            if time.monotonic() + pause > deadline:
                break
            await asyncio.sleep(pause)
            pause = min(1.0, pause * 2)
        self.counts["statuses_given_up"] += 1
        return False


def _text_of(body: dict) -> str:
    if body.get("type") == "interactive":
        return str(((body.get("interactive") or {}).get("body") or {}).get("text") or "")
    return str((body.get("text") or {}).get("body") or "")


def _status_body(wamid: str, to: str, ref: str | None, status: str) -> dict:
    entry = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": to,
        "pricing": {"billable": False, "pricing_model": "PMP", "category": "service"},
    }
    if ref is not None:
        entry["biz_opaque_callback_data"] = ref
    metadata = {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID}
    value = {"messaging_product": "whatsapp", "metadata": metadata, "statuses": [entry]}
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def _graph_error(code: int, message: str) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


async def _read_body(receive) -> bytes | None:
    chunks = []
    for _ in range(10_000):  # bounded: a body of the desk's is a few kB
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _respond(send, status: int, payload: dict) -> None:
    data = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def graph_main(argv: list[str]) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="roundtrip.py _graph")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--status-delays", type=float, nargs=3, default=[0.2, 0.5, 1.0])
    parser.add_argument("--webhooks", required=True, help="the desk's base URLs, comma-separated")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    graph = FakeGraph(args)
    config = uvicorn.Config(
        graph.app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        interface="asgi3",
        timeout_keep_alive=30,
    )
    uvicorn.Server(config).run()


# --- the console sockets (a process of the generator's) --------------------------------------


async def consoles_main() -> None:
    """Reads {"sockets": [[url, origin, cookie]...], "prefix": ...} on stdin, holds the sockets
    open, and answers each "dump" line on stdin with the `message:new` arrivals of customer
    messages (provider id, socket, time.monotonic()) since the last dump; "quit" or EOF ends it."""
    import websockets

    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    config = json.loads(await stdin.readline())
    prefix, arrivals, frames, ended = config["prefix"], [], Counter(), {}
    opened = [asyncio.get_running_loop().create_future() for _ in config["sockets"]]

    async def hold(index: int, url: str, origin: str, cookie: str) -> None:
        headers = {"Cookie": cookie, "Origin": origin}
        try:
            async with websockets.connect(
                url, additional_headers=headers, max_size=None, open_timeout=30
            ) as ws:
                opened[index].set_result(True)
                async for raw in ws:
                    now = time.monotonic()
                    frames[index] += 1
                    if prefix in raw and '"message:new"' in raw:
                        frame = json.loads(raw)
                        provider_id = (frame.get("data") or {}).get("provider_id") or ""
                        if frame.get("event") == "message:new" and provider_id.startswith(prefix):
                            arrivals.append((provider_id, index, now))
                ended[index] = f"closed {ws.close_code}"
        except Exception as error:
            ended[index] = f"{type(error).__name__}: {error}"[:200]
        if not opened[index].done():
            opened[index].set_result(False)

    holders = [asyncio.create_task(hold(i, *socket)) for i, socket in enumerate(config["sockets"])]
    await asyncio.wait_for(asyncio.gather(*opened), 60)
    print(json.dumps({"ready": sum(f.result() for f in opened), "ended": ended}), flush=True)
    done = 0
    while (await stdin.readline()).strip() not in (b"quit", b""):
        batch, done = arrivals[done:], len(arrivals)
        print(json.dumps({"arrivals": batch, "frames": sum(frames.values()), "ended": ended}))
        sys.stdout.flush()
    for holder in holders:
        holder.cancel()


# --- the desk's processes --------------------------------------------------------------------


class Child:
    """A process of the run, in a process group of its own, its output in its log file."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path, port: int | None):
        self.name, self.command, self.env, self.log, self.port = name, command, env, log, port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> "Child":
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, path: str) -> None:
        """Until GET `path` answers 200 (no port: until the process has stayed up 2 s)."""
        import httpx

        deadline = time.monotonic() + STARTUP_SECONDS
        if self.port is None:
            time.sleep(2.0)
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited at start; see {self.log}")
            if self.port is None:
                return
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {STARTUP_SECONDS:.0f} s; see {self.log}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL for the whole group if it has not ended within 10 s."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def check_local(url: str) -> None:
    if url and urlsplit(url).hostname not in LOCAL_HOSTS:
        raise SystemExit(f"only 127.0.0.1 is contacted: {url}")


class PostgresDatabase:
    """The run's database, dropped and created again at the start, dropped at the end."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.url, self.name = url, parts.path.lstrip("/")
        if not re.fullmatch(r"[a-z0-9_]+", self.name) or not (
            self.name.startswith("vt_") or "bench" in self.name
        ):
            raise SystemExit(f"{self.name!r}: name a database for benchmarks (vt_... or *bench*)")
        self.server = dict(
            host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres"
        )

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            **self.server, dbname="postgres", autocommit=True, connect_timeout=10
        ) as connection:
            connection.execute(statement)

    def create(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Desk:
    """Embedded: one `ventanilla serve` on SQLite. Scaled: `ventanilla web` x N (one port each)
    and `ventanilla worker` x M on PostgreSQL and Redis."""

    def __init__(self, args, folder: Path):
        self.args, self.folder = args, folder
        self.data_dir = folder / "data"
        self.ports = [free_port() for _ in range(args.web if args.mode == "scaled" else 1)]
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            VENTANILLA_DATA_DIR=str(self.data_dir),
            HOST="127.0.0.1",
            PUBLIC_URL=f"http://127.0.0.1:{self.ports[0]}",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            WHATSAPP_PROVIDER="cloud",
            WHATSAPP_CLOUD_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
            WHATSAPP_CLOUD_ACCESS_TOKEN=ACCESS_TOKEN,
            WHATSAPP_CLOUD_APP_SECRET=APP_SECRET,
            WHATSAPP_CLOUD_API_URL="http://127.0.0.1:9",  # the fake Graph's, once started
            VENTANILLA_ADMIN_USERNAME=ADMIN_USERNAME,
            VENTANILLA_ADMIN_PASSWORD=ADMIN_PASSWORD,
            WEB_CONCURRENCY="1",
        )
        if args.mode == "scaled":
            env.update(
                DATABASE_URL=args.database_url,
                REDIS_URL=args.redis_url,
                REDIS_PREFIX=f"ventanilla-roundtrip-{os.getpid()}",
            )
        env.update(dict(item.split("=", 1) for item in args.env))
        self.env = env
        self.children: list[Child] = []

    @property
    def webs(self) -> list[Child]:
        return [child for child in self.children if child.port is not None]

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ventanilla", *args]

    def bootstrap(self) -> None:
        """What an operator runs once: migrate, the demo desk (its menu flow), the line."""
        log = self.folder / "setup.log"
        for args in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
            with log.open("a") as out:
                done = subprocess.run(
                    self._command(*args),
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    timeout=300,
                    check=False,
                )
            if done.returncode != 0:
                raise RuntimeError(f"`ventanilla {' '.join(args)}` failed; see {log}")

    def start(self) -> None:
        def child(name: str, port: int | None, *command: str) -> Child:
            env = dict(self.env, **({"PORT": str(port)} if port else {}))
            log = self.folder / f"{name}.log"
            return Child(name, self._command(*command), env, log, port)

        if self.args.mode == "embedded":
            self.children.append(child("serve", self.ports[0], "serve"))
        else:
            for number, port in enumerate(self.ports, start=1):
                self.children.append(child(f"web{number}", port, "web"))
            for number in range(1, self.args.workers + 1):
                self.children.append(child(f"worker{number}", None, "worker"))
        for process in self.children:
            process.start()
        for process in self.children:
            process.wait_ready("/readyz")

    def stop(self) -> None:
        for process in self.children:
            process.stop()


def delete_redis_keys(url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = list(itertools.islice(client.scan_iter(match=f"*{prefix}*", count=500), 1_000_000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return len(keys)
    finally:
        client.close()


# --- CPU and memory of every process ---------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")
BACKEND = re.compile(r"\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]")


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _rss_kb(pid: int) -> int:
    status = _read(f"/proc/{pid}/status") or ""
    found = re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


class Sampler:
    """Every SAMPLE_SECONDS, the CPU ticks (/proc/<pid>/stat) and VmRSS (/proc/<pid>/status) of
    the processes of each member: the process groups started by the run (a desk process with
    whatever it starts), this process, and in scaled mode the PostgreSQL server's processes
    (other databases' backends left out) and the Redis server."""

    def __init__(self, groups: dict[int, str], *, database: str | None, redis: bool):
        self.groups = dict(groups)  # process group id -> member name
        self.own = os.getpid()
        self.database, self.redis = database, redis
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.window: dict | None = None
        self.thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def _member(self, pid: int, comm: str, pgrp: int) -> str | None:
        if pid == self.own:
            return "generator"
        if pgrp in self.groups:
            return self.groups[pgrp]
        if self.redis and comm.startswith("redis-server"):
            return "redis"
        if self.database and comm == "postgres":
            title = (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")
            if BACKEND.search(title) and f" {self.database} " not in title:
                return None  # another database's connection
            return "postgres"
        return None

    def scan(self) -> dict[str, dict[int, tuple[int, int]]]:
        seen: dict[str, dict[int, tuple[int, int]]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _read(f"/proc/{entry}/stat")
            if not stat:
                continue
            comm = stat[stat.find("(") + 1 : stat.rfind(")")]
            fields = stat[stat.rfind(")") + 2 :].split()
            member = self._member(int(entry), comm, int(fields[2]))
            if member is not None:
                ticks = int(fields[11]) + int(fields[12])  # utime + stime
                seen.setdefault(member, {})[int(entry)] = (ticks, _rss_kb(int(entry)))
        return seen

    def _add(self, snapshot) -> None:
        window = self.window
        if window is None:
            return
        for member, processes in snapshot.items():
            for pid, (ticks, _) in processes.items():
                window["last"][(member, pid)] = ticks
            rss = sum(kb for _, kb in processes.values())
            window["peak"][member] = max(window["peak"].get(member, 0), rss)
            window["count"][member] = max(window["count"].get(member, 0), len(processes))

    def _run(self) -> None:
        while not self.stopping.wait(SAMPLE_SECONDS):
            snapshot = self.scan()
            with self.lock:
                self._add(snapshot)

    def start_window(self) -> None:
        snapshot = self.scan()
        with self.lock:
            base = {(m, pid): ticks for m, ps in snapshot.items() for pid, (ticks, _) in ps.items()}
            self.window = {
                "at": time.monotonic(),
                "base": base,
                "last": {},
                "peak": {},
                "count": {},
            }
            self._add(snapshot)

    def end_window(self) -> dict[str, dict]:
        """Per member: CPU in cores and seconds over the window, peak RSS (the sum over its
        processes)."""
        snapshot = self.scan()
        with self.lock:
            self._add(snapshot)
            window, self.window = self.window, None
        seconds = max(1e-6, time.monotonic() - window["at"])
        used: Counter = Counter()
        for (member, pid), ticks in window["last"].items():
            used[member] += ticks - window["base"].get((member, pid), 0)  # new ones from 0
        return {
            member: {
                "cpu_cores": round(used[member] / TICKS / seconds, 2),
                "cpu_seconds": round(used[member] / TICKS, 2),
                "peak_rss_mb": round(window["peak"][member] / 1024, 1),
                "processes": window["count"][member],
            }
            for member in sorted(window["peak"])
        }


# --- the customers ---------------------------------------------------------------------------


@dataclass
class Customer:
    number: int
    phone: str
    position: int = 0  # the line of their script they write next
    ready_at: float = 0.0
    known: bool = False  # their DNI is on file: RETURNING, not SCRIPT

    @property
    def script(self) -> tuple:
        return RETURNING if self.known else SCRIPT


@dataclass
class Message:
    """One customer message: when it was due, its answer, its replies and its socket arrivals."""

    message_id: str
    phone: str
    step: int
    expected: tuple[str, ...]  # the start of each reply the flow sends to it
    due: float
    started: float = 0.0
    answered: float = 0.0
    answer: int | str | None = None
    replies: dict[str, float] = field(default_factory=dict)  # expected start -> accepted at
    sockets: list[float] = field(default_factory=list)  # arrival times of `message:new`

    @property
    def ok(self) -> bool:
        return self.answer == 200

    @property
    def complete(self) -> bool:
        return len(self.replies) == len(self.expected)

    def waiting_for(self, text: str) -> str | None:
        return next(
            (
                start
                for start in self.expected
                if start not in self.replies and text.startswith(start)
            ),
            None,
        )


class Customers:
    """A share of the messages comes from new customers, the rest from returning ones: the one
    waiting longest whose last message was answered `think` seconds ago (a new customer when none
    is)."""

    def __init__(self, new_share: float, think: float, seed: int):
        self.new_share, self.think = new_share, think
        self.random = random.Random(seed)
        self.ready: deque[Customer] = deque()
        self.count = 0

    def next(self, now: float) -> Customer:
        if self.ready and self.ready[0].ready_at <= now and self.random.random() >= self.new_share:
            return self.ready.popleft()
        self.count += 1
        return Customer(self.count, f"5493516{self.count:06d}")

    def answered(self, customer: Customer, ok: bool, now: float) -> None:
        if ok:  # else left out: whether the desk stored it is unknown
            customer.position = (customer.position + 1) % len(customer.script)
            if customer.position == 0:
                customer.known = True
            customer.ready_at = now + self.think
            self.ready.append(customer)


# --- the generator ---------------------------------------------------------------------------


class DeskDatabase:
    """Reads the desk's own tables: stored customer messages, replies' final statuses."""

    def __init__(self, args, data_dir: Path):
        self.postgres = args.mode == "scaled"
        self.url, self.path = args.database_url, data_dir / "ventanilla.sqlite3"

    def _query(self, sql: str, ids: list[str]) -> list[tuple]:
        rows = []
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as connection:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ",".join(["%s"] * len(chunk))
                    rows += connection.execute(sql.format(marks), chunk).fetchall()
            return rows
        connection = sqlite3.connect(self.path, timeout=20)
        try:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows += connection.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        finally:
            connection.close()
        return rows

    def counts(self, ids: list[str]) -> Counter:
        """(direction, status) -> messages among these provider ids; ("in", "doubled") too."""
        sql = (
            "SELECT direction, status, COUNT(*), COUNT(DISTINCT provider_id) "
            "FROM conversations_message WHERE provider_id IN ({}) GROUP BY direction, status"
        )
        counts: Counter = Counter()
        for direction, status, rows, distinct in self._query(sql, ids):
            counts[(direction, status)] += rows
            counts[(direction, "doubled")] += rows - distinct
        return counts


class Generator:
    def __init__(self, args, webs: list[Child], graph_url: str, consoles, database: DeskDatabase):
        self.args = args
        self.pools = [Pool("127.0.0.1", web.port, args.connections) for web in webs]
        self.graph_url, self.consoles, self.database = graph_url, consoles, database
        self.customers = Customers(args.new_share, args.think, args.seed)
        self.prefix = f"wamid.RT{os.urandom(3).hex()}."
        self.messages: dict[str, Message] = {}
        self.waiting: dict[str, deque[Message]] = {}  # phone -> messages missing replies
        self.reply_step: dict[str, int] = {}  # Graph message id -> step of its customer message
        self.unexpected: list[tuple[str, str]] = []  # sends no customer message asked for
        self.sends_seen = 0
        self.send_times: list[float] = []  # when the Graph accepted each send, in order
        self.tasks: set[asyncio.Task] = set()
        self.http = None

    async def graph(self, path: str) -> dict:
        import httpx

        if self.http is None:
            self.http = httpx.AsyncClient(base_url=self.graph_url, timeout=10)
        answer = await self.http.get(path)
        answer.raise_for_status()
        return answer.json()

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for pool in self.pools:
            pool.close()
        if self.http is not None:
            await self.http.aclose()

    async def collect(self) -> None:
        """Sends the Graph accepted since the last call, matched to the customer message they
        answer (same phone, the oldest message still missing a reply with that text); then the
        consoles' arrivals."""
        answer = await self.graph(f"/bench/sends?since={self.sends_seen}")
        self.sends_seen = answer["next"]
        for wamid, to, text, accepted_at in answer["sends"]:
            self.send_times.append(accepted_at)
            for message in self.waiting.get(to, ()):
                start = message.waiting_for(text)
                if start is not None and message.due <= accepted_at:
                    message.replies[start] = accepted_at
                    self.reply_step[wamid] = message.step
                    break
            else:
                self.unexpected.append((to, text[:40]))
            queue = self.waiting.get(to)
            while queue and queue[0].complete:
                queue.popleft()
        for provider_id, _, at in await self.consoles.dump():
            if provider_id in self.messages:
                self.messages[provider_id].sockets.append(at)

    async def send(self, message: Message, body: bytes, web: int, customer: Customer) -> None:
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(body)}
        message.started = time.monotonic()
        try:
            message.answer = await self.pools[web].post(WEBHOOK_PATH, body, headers)
        except Exception as error:
            message.answer = type(error).__name__
        message.answered = time.monotonic()
        self.customers.answered(customer, message.ok, message.answered)

    def schedule(self, step: int, seq: int, due: float) -> Message:
        customer = self.customers.next(due)
        text, expected = customer.script[customer.position]
        text = text.format(dni=30_000_000 + customer.number)
        message = Message(f"{self.prefix}{step}.{seq}", customer.phone, step, expected, due)
        self.messages[message.message_id] = message
        self.waiting.setdefault(customer.phone, deque()).append(message)
        body = webhook(message.message_id, customer.phone, text)
        task = asyncio.create_task(self.send(message, body, seq % len(self.pools), customer))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return message

    async def run_step(self, step: int, rate: float, seconds: float, sampler: Sampler) -> dict:
        total = max(1, round(rate * seconds))
        before = await self.graph("/bench/stats?reset=1")
        frames_before, new_before = self.consoles.frames, self.customers.count
        sampler.start_window()
        began = time.monotonic() + 0.05
        end = began + total / rate  # when the last message's slot is over
        messages = []
        for seq in range(total):  # open loop: each message at its time, whatever the answers
            due = began + seq / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            messages.append(self.schedule(step, seq, due))
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        processes = sampler.end_window()
        pending = [task for task in self.tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=REQUEST_TIMEOUT + 5)
        settled = await self.settle(messages, end)
        after = await self.graph("/bench/stats")
        row = self.row(rate, messages, began, end, before, after, settled)
        row["new_customers"] = self.customers.count - new_before
        frames = (self.consoles.frames - frames_before) / max(1, self.args.consoles * total)
        row["socket_frames_per_message"] = round(frames, 1)
        row["processes"] = processes
        desk_seconds = sum(v["cpu_seconds"] for k, v in processes.items() if desk_member(k))
        # the window is the step's sending time: at a steady rate, the replies and statuses of
        # the step's last messages that fall after it match those of the warm-up's before it
        row["desk_cpu_ms_per_message"] = round(desk_seconds * 1000 / total, 1)
        return row

    async def settle(self, messages: list[Message], end: float) -> dict:
        """Until every answered message has all its replies at the Graph and its `message:new`
        on every socket, the Graph has no status left to post and the desk shows every reply
        `read`; at most --drain + --settle seconds after the step's end."""
        deadline = end + self.args.drain + self.args.settle
        ok = [message for message in messages if message.ok]
        waited: dict[str, float] = {}
        done: dict[str, bool] = {}
        while time.monotonic() < deadline:
            await self.collect()
            stats = await self.graph("/bench/stats")
            done = {
                "replies": all(message.complete for message in ok),
                "sockets": all(len(message.sockets) >= self.args.consoles for message in ok),
                "statuses": stats["pending"] == 0 and stats["in_progress"] == 0,
            }
            for name in (name for name, true in done.items() if true and name not in waited):
                waited[name] = round(time.monotonic() - end, 2)
            if all(done.values()):
                break
            await asyncio.sleep(POLL_SECONDS)
        database = await self.read_database(messages, deadline)
        waited["database"] = round(time.monotonic() - end, 2)
        return {"settled": all(done.values()), "after_end_s": waited, "database": database}

    async def read_database(self, messages: list[Message], deadline: float) -> dict:
        replies = [wamid for wamid, step in self.reply_step.items() if step == messages[0].step]
        ids = [message.message_id for message in messages]
        while True:
            counts = await asyncio.to_thread(self.database.counts, ids + replies)
            if counts[("out", "read")] >= len(replies) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        stored = sum(
            n
            for (direction, status), n in counts.items()
            if direction == "in" and status != "doubled"
        )
        return {
            "customer_messages_stored": stored,
            "customer_messages_doubled": counts[("in", "doubled")],
            "replies": len(replies),
            "replies_by_status": {
                s: n for (d, s), n in counts.items() if d == "out" and s != "doubled"
            },
        }

    def row(self, rate, messages, began, end, before, after, settled) -> dict:
        ok = [message for message in messages if message.ok]
        errors = Counter(str(m.answer) for m in messages if not m.ok)
        last = max((m.answered for m in ok), default=end)
        sent_rate = len(ok) / max(end - began, last - began)
        ms = lambda values, share: round(percentile(values, share) * 1000, 1)  # noqa: E731
        answer = [m.answered - m.due for m in ok]
        reply = [min(m.replies.values()) - m.due for m in ok if m.replies]
        all_replies = [max(m.replies.values()) - m.due for m in ok if m.complete]
        socket = [at - m.due for m in ok for at in m.sockets]
        lag = [m.started - m.due for m in messages]
        replies = settled["database"]["replies"]
        statuses = after.get("statuses_accepted", 0) - before.get("statuses_accepted", 0)
        in_time = end + self.args.drain
        replies_in_time = all(m.complete and max(m.replies.values()) <= in_time for m in ok)
        kept_up = sent_rate >= 0.98 * rate and not errors and replies_in_time
        latencies = {"answer_p99_ms": ms(answer, 0.99), "reply_p99_ms": ms(reply, 0.99)}
        latencies["socket_p99_ms"] = ms(socket, 0.99)
        in_window = sum(1 for at in self.send_times if began <= at <= end)
        return {
            "target_rate": rate,
            "messages": len(messages),
            "sent_rate": round(sent_rate, 1),
            "errors": sum(errors.values()),
            "error_kinds": dict(errors),
            "answer_p50_ms": ms(answer, 0.5),
            "answer_p99_ms": ms(answer, 0.99),
            "reply_p50_ms": ms(reply, 0.5),
            "reply_p99_ms": ms(reply, 0.99),
            "all_replies_p99_ms": ms(all_replies, 0.99),
            "socket_p50_ms": ms(socket, 0.5),
            "socket_p99_ms": ms(socket, 0.99),
            "generator_lag_p99_ms": ms(lag, 0.99),
            "messages_with_reply": len(reply),
            "messages_with_all_replies": len(all_replies),
            "replies_expected": sum(len(m.expected) for m in ok),
            "replies": replies,
            "socket_arrivals": len(socket),
            "socket_arrivals_expected": len(ok) * self.args.consoles,
            "graph_sends_per_s": round(in_window / (end - began), 1),
            "graph_sends_needed_per_s": round(sum(len(m.expected) for m in ok) / (end - began), 1),
            "graph_sends_in_flight_peak": after.get("in_progress_peak"),
            "statuses_applied": statuses,
            "statuses_expected": 3 * replies,
            "status_retries": {
                k: v - before.get(k, 0) for k, v in after.items() if k.startswith("status_answer")
            },
            "unexpected_sends": len(self.unexpected),
            "replies_within_drain": replies_in_time,
            "kept_up": kept_up,
            "targets_met": kept_up and within_targets(latencies),
            "settle": settled,
        }


class Consoles:
    """The console sockets' process: started with the sockets to hold, asked for arrivals."""

    def __init__(self, folder: Path, sampler: Sampler):
        self.folder, self.sampler = folder, sampler
        self.process: asyncio.subprocess.Process | None = None
        self.ended: dict = {}
        self.frames = 0  # frames received on all sockets so far

    async def start(self, sockets: list[list[str]], prefix: str) -> int:
        with (self.folder / "consoles.log").open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(Path(__file__).resolve()),
                "_consoles",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                limit=2**26,
            )
        self.sampler.groups[self.process.pid] = "consoles"
        config = {"sockets": sockets, "prefix": prefix}
        self.process.stdin.write(json.dumps(config).encode() + b"\n")
        ready = json.loads(await asyncio.wait_for(self.process.stdout.readline(), 90))
        self.ended = ready["ended"]
        return ready["ready"]

    async def dump(self) -> list:
        self.process.stdin.write(b"dump\n")
        answer = json.loads(await asyncio.wait_for(self.process.stdout.readline(), 30))
        self.ended, self.frames = answer["ended"], answer["frames"]
        return answer["arrivals"]

    async def stop(self) -> None:
        process = self.process
        if process is None:
            return
        with contextlib.suppress(Exception):
            process.stdin.write(b"quit\n")
            await asyncio.wait_for(process.wait(), 10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait(), 10)


# --- signing in the consoles -----------------------------------------------------------------


def sign_in(base: str, username: str, password: str) -> str:
    """The Cookie header of a signed-in console (set by hand: the cookies are Secure, this is
    http), with the CSRF cookie it got at sign-in."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        csrf = client.get("/api/auth/csrf")
        token, csrf_cookie = csrf.json()["csrf_token"], csrf.cookies["ventanilla_csrftoken"]
        login = client.post(
            "/api/auth/login",
            json={"username": username, "password": password},
            headers={"X-CSRFToken": token, "Cookie": f"ventanilla_csrftoken={csrf_cookie}"},
        )
        login.raise_for_status()
        csrf_cookie = login.cookies.get("ventanilla_csrftoken") or csrf_cookie  # rotated
        session = login.cookies["ventanilla_session"]
        return f"ventanilla_session={session}; ventanilla_csrftoken={csrf_cookie}"


def console_users(base: str, count: int) -> list[tuple[str, str]]:
    """The admin, the demo's supervisor, then admins and supervisors of both areas created
    through the API: people who see the bot's conversations (no area yet)."""
    import httpx

    users = [(ADMIN_USERNAME, ADMIN_PASSWORD), (DEMO_SUPERVISOR, DEMO_PASSWORD)][:count]
    cookie = sign_in(base, ADMIN_USERNAME, ADMIN_PASSWORD)
    with httpx.Client(base_url=base, timeout=30, headers={"Cookie": cookie}) as client:
        token = client.get("/api/auth/csrf").json()["csrf_token"]  # for the signed-in session
        areas = client.get("/api/areas")
        areas.raise_for_status()
        area_ids = [area["id"] for area in areas.json()["items"]]
        for number in range(len(users) + 1, count + 1):
            role = "ADMIN" if number % 2 else "SUPERVISOR"
            created = client.post(
                "/api/users",
                headers={"X-CSRFToken": token},
                json={
                    "username": f"consola{number}",
                    "password": CONSOLE_PASSWORD,
                    "role": role,
                    "name": f"Consola {number}",
                    "area_ids": area_ids if role == "SUPERVISOR" else [],
                },
            )
            if created.status_code != 201:
                raise RuntimeError(f"creating console user {number}: {created.text[:300]}")
            users.append((f"consola{number}", CONSOLE_PASSWORD))
    return users


# --- the run ---------------------------------------------------------------------------------


def start_graph(args, folder: Path, desk_urls: list[str]) -> Child:
    port = free_port()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "_graph",
        f"--port={port}",
        f"--latency={args.graph_latency}",
        f"--webhooks={','.join(desk_urls)}",
        f"--connections={args.graph_connections}",
        "--status-delays",
        *(str(delay) for delay in args.status_delays),
    ]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    graph = Child("graph", command, env, folder / "graph.log", port).start()
    try:
        graph.wait_ready("/bench/stats")
    except BaseException:
        graph.stop()
        raise
    return graph


async def open_consoles(args, desk: Desk, consoles: Consoles, prefix: str) -> None:
    """Signs in the console users, each on a web process in turn, and opens their sockets."""
    users = await asyncio.to_thread(console_users, desk.webs[0].url, args.consoles)
    sockets = []
    for index, (username, password) in enumerate(users):
        web = desk.webs[index % len(desk.webs)].url
        cookie = await asyncio.to_thread(sign_in, web, username, password)
        sockets.append([web.replace("http://", "ws://") + "/ws/", web, cookie])
    opened = await consoles.start(sockets, prefix)
    if opened != len(sockets):
        raise RuntimeError(f"{opened} of {len(sockets)} console sockets opened: {consoles.ended}")


async def measure(args, desk: Desk, graph: Child, sampler: Sampler, folder: Path) -> dict:
    consoles = Consoles(folder, sampler)
    database = DeskDatabase(args, desk.data_dir)
    generator = Generator(args, desk.webs, graph.url, consoles, database)
    result: dict = {"warmup": None, "rows": []}
    try:
        await open_consoles(args, desk, consoles, generator.prefix)
        if args.warmup > 0:
            result["warmup"] = await generator.run_step(0, args.rates[0], args.warmup, sampler)
            print("warm-up:", summary(result["warmup"]), flush=True)
        for step, rate in enumerate(args.rates, start=1):
            row = await generator.run_step(step, rate, args.seconds, sampler)
            row["consoles_ended"] = dict(consoles.ended)
            result["rows"].append(row)
            print(summary(row), flush=True)
            if not row["kept_up"] and not args.no_stop:
                break
        result["unexpected_sends"] = generator.unexpected[:50]
        return result
    finally:
        await generator.close()
        await consoles.stop()


# issue 15's latencies: webhook answer, customer message -> bot reply at the Graph, -> console
LATENCY_TARGETS_MS = {"answer_p99_ms": 100, "reply_p99_ms": 300, "socket_p99_ms": 150}


def within_targets(latencies: dict) -> bool:
    """Every p99 under its target (a percentile of nothing, NaN, is not)."""
    return all(latencies[key] < limit for key, limit in LATENCY_TARGETS_MS.items())


def summary(row: dict) -> str:
    keys = ["target_rate", "sent_rate", "errors", "answer_p99_ms", "reply_p50_ms"]
    keys += ["reply_p99_ms", "socket_p99_ms", "replies", "statuses_applied", "kept_up"]
    keys += ["targets_met"]
    keys += ["desk_cpu_ms_per_message"]
    return json.dumps({key: row[key] for key in keys})


def run(args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="ventanilla-roundtrip-"))
    print(f"logs and data: {folder}", flush=True)
    database = PostgresDatabase(args.database_url) if args.mode == "scaled" else None
    desk = Desk(args, folder)
    graph = sampler = None
    failed = True
    try:
        if database is not None:
            database.create()
        graph = start_graph(args, folder, [f"http://127.0.0.1:{port}" for port in desk.ports])
        desk.env["WHATSAPP_CLOUD_API_URL"] = graph.url
        desk.bootstrap()
        desk.start()
        groups = {child.pid: child.name for child in [*desk.children, graph]}
        sampler = Sampler(groups, database=database and database.name, redis=bool(database))
        sampler.thread.start()
        result = asyncio.run(measure(args, desk, graph, sampler, folder))
        failed = False
        return result
    finally:
        if sampler is not None:
            sampler.stopping.set()
        for child in [*desk.children, *([graph] if graph else [])]:
            child.stop()
        if database is not None and not args.keep:
            with contextlib.suppress(Exception):
                database.drop()
        if database is not None:
            with contextlib.suppress(Exception):
                delete_redis_keys(args.redis_url, desk.env["REDIS_PREFIX"])
        if failed or args.keep:
            print(f"kept for reading: {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- the report ------------------------------------------------------------------------------

MEMBERS = (
    ("desk", "desk"),
    ("postgres", "PostgreSQL"),
    ("redis", "Redis"),
    ("graph", "fake Graph"),
    ("generator", "generator"),
    ("consoles", "consoles"),
)


def desk_member(name: str) -> bool:
    return name == "serve" or name.startswith(("web", "worker"))


def grouped(processes: dict[str, dict]) -> dict[str, dict]:
    """The desk's processes summed into "desk" (its peak RSS: the sum of theirs)."""
    groups = {name: values for name, values in processes.items() if not desk_member(name)}
    desk = [values for name, values in processes.items() if desk_member(name)]
    if desk:
        groups["desk"] = {
            "cpu_cores": round(sum(v["cpu_cores"] for v in desk), 2),
            "peak_rss_mb": round(sum(v["peak_rss_mb"] for v in desk), 1),
        }
    return groups


def tables(rows: list[dict]) -> str:
    lines = [
        "| offered/s | sent/s | webhook p50 / p99 | reply p50 / p99 | socket p50 / p99 "
        "| replies | statuses applied | errors | kept up | latency targets met "
        "| desk CPU per message |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['target_rate']:g} | {r['sent_rate']:g} "
            f"| {r['answer_p50_ms']} / {r['answer_p99_ms']} ms "
            f"| {r['reply_p50_ms']} / {r['reply_p99_ms']} ms "
            f"| {r['socket_p50_ms']} / {r['socket_p99_ms']} ms "
            f"| {r['messages_with_all_replies']}/{r['messages']} msgs, {r['replies']} "
            f"| {r['statuses_applied']}/{r['statuses_expected']} "
            f"| {r['errors']} | {'yes' if r['kept_up'] else '**no**'} "
            f"| {'yes' if r['targets_met'] else 'no'} "
            f"| {r.get('desk_cpu_ms_per_message', '-')} ms |"
        )
    met = [r["target_rate"] for r in rows if r["targets_met"]]
    best = f"{max(met):g}/s" if met else "none"
    lines += ["", f"highest rate with every latency target met: {best}"]
    names = [label for _, label in MEMBERS]
    lines += ["", "| offered/s | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for r in rows:
        groups = grouped(r["processes"])
        cells = [
            f"{groups[key]['cpu_cores']:.2f} cores, {groups[key]['peak_rss_mb']:.0f} MB"
            if key in groups
            else "-"
            for key, _ in MEMBERS
        ]
        lines.append(f"| {r['target_rate']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--web", type=int, default=2, help="scaled: `ventanilla web` processes")
    parser.add_argument("--workers", type=int, default=1, help="scaled: `ventanilla worker`s")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/vt_roundtrip")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--label", default="")
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 20, 50, 100, 150, 200, 300])
    parser.add_argument("--seconds", type=float, default=30, help="per rate")
    parser.add_argument("--warmup", type=float, default=5, help="seconds at the first rate first")
    parser.add_argument(
        "--drain", type=float, default=5, help="seconds after a rate for its replies to be sent"
    )
    parser.add_argument(
        "--settle", type=float, default=30, help="then at most this for statuses and sockets"
    )
    parser.add_argument("--no-stop", action="store_true", help="every rate, even past one missed")
    parser.add_argument("--consoles", type=int, default=10)
    parser.add_argument("--new-share", type=float, default=0.2, help="messages from new customers")
    parser.add_argument("--think", type=float, default=1.0, help="seconds before a customer's next")
    parser.add_argument("--connections", type=int, default=32, help="per web process")
    parser.add_argument("--graph-latency", type=float, default=0.05, help="seconds per send")
    parser.add_argument(
        "--status-delays",
        type=float,
        nargs=3,
        default=[0.2, 0.5, 1.0],
        metavar=("SENT", "DELIVERED", "READ"),
        help="seconds before each status (after the send, then after the one before)",
    )
    parser.add_argument("--graph-connections", type=int, default=64, help="status posts at once")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the desk")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the data folder and database")
    args = parser.parse_args(argv)
    args.label = args.label or args.mode
    if args.mode == "scaled":
        check_local(args.database_url)
        check_local(args.redis_url)
    if any("=" not in item for item in args.env):
        parser.error("--env takes KEY=VALUE")
    return args


def main() -> None:
    if sys.argv[1:2] == ["_graph"]:
        graph_main(sys.argv[2:])
        return
    if sys.argv[1:2] == ["_consoles"]:
        import uvloop  # with uvicorn[standard]; ~45 µs per frame with asyncio's own loop

        uvloop.run(consoles_main())
        return
    args = parse_args(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the cleanup runs (finally)
    started = time.time()
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = {
        "label": args.label,
        "command": " ".join(["bench/roundtrip.py", *sys.argv[1:]]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "settings": {k: v for k, v in vars(args).items() if k not in {"label"}},
        **result,
    }
    path = RESULTS / f"roundtrip-{args.label}.json"
    path.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{path.relative_to(ROOT)}\n")
    print(tables(result["rows"]))


if __name__ == "__main__":
    main()
