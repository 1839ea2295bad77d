"""Inbound throughput: signed Cloud API webhooks at rising rates against a running Ventanilla.

Starts Ventanilla (embedded SQLite, or PostgreSQL with --database-url), connects an admin console
WebSocket, then for each rate sends one-message webhooks for a fixed time and reports:
sustained messages/s, p50/p99 webhook answer time, p99 time from webhook sent to `message:new` on
the socket, and errors. Results go to bench/results/ingest-<label>.json.

    uv run python bench/ingest.py --label sqlite
    uv run python bench/ingest.py --label postgres \
        --database-url postgres://postgres@127.0.0.1:5432/ventanilla_bench --redis-url redis://127.0.0.1:6379/3

Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "555000111"


# the benchmarks' Cloud API line: nothing may leave this machine, so replies, if any, go to a
# closed local port
CLOUD_LINE_ENV = {
    "LOG_LEVEL": "WARNING",
    "WHATSAPP_PROVIDER": "cloud",
    "WHATSAPP_CLOUD_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
    "WHATSAPP_CLOUD_ACCESS_TOKEN": "unused",
    "WHATSAPP_CLOUD_API_URL": "http://127.0.0.1:9",
    "WHATSAPP_CLOUD_APP_SECRET": APP_SECRET,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook(message_id: str, phone: str, text: str) -> bytes:
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550001111",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Bench"}, "wa_id": phone}],
                            "messages": [
                                {
                                    "from": phone,
                                    "id": message_id,
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Server:
    def __init__(self, args):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix="ventanilla-bench-")
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            VENTANILLA_DATA_DIR=self.data_dir,
            HOST="127.0.0.1",
            PORT=str(self.port),
            **CLOUD_LINE_ENV,
            VENTANILLA_ADMIN_USERNAME="bench",
            VENTANILLA_ADMIN_PASSWORD="Bench-Password-2026",
            WEB_CONCURRENCY=str(args.workers),
        )
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.args = args

    def start(self):
        python = sys.executable
        log = open(Path(self.data_dir) / "server.log", "w")  # noqa: SIM115
        if self.args.workers > 1 or self.args.redis_url:
            subprocess.run([python, "-m", "ventanilla", "migrate", "-v0"], env=self.env, check=True)
            subprocess.run(
                [python, "-m", "ventanilla", "prepare"],
                env=self.env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            commands = [["web"], ["worker"]]
        else:
            commands = [["serve"]]
        for command in commands:
            self.processes.append(
                subprocess.Popen(
                    [python, "-m", "ventanilla", *command],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start; see " + str(Path(self.data_dir) / "server.log"))

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=20)


async def console_cookies(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        csrf = await client.get("/api/auth/csrf")
        token = csrf.json()["csrf_token"]
        csrf_cookie = csrf.cookies["ventanilla_csrftoken"]
        login = await client.post(
            "/api/auth/login",
            json={"username": "bench", "password": "Bench-Password-2026"},
            headers={"X-CSRFToken": token, "Cookie": f"ventanilla_csrftoken={csrf_cookie}"},
        )
        login.raise_for_status()
        return f"ventanilla_session={login.cookies['ventanilla_session']}"


class RawHttp:
    """A lean HTTP/1.1 keep-alive client on asyncio streams: httpx costs ~5 ms of CPU per request
    here, which would make the load generator, not the server, the bottleneck."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += [f"Content-Length: {len(body)}", "", ""]
        self.writer.write("\r\n".join(head).encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


async def run_rate(base, ws_url, cookie, rate, seconds, phones, tag, connections=48):
    sent_at: dict[str, float] = {}
    socket_latency: list[float] = []
    answer_latency: list[float] = []
    errors = 0
    total = int(rate * seconds)
    host, port = base.removeprefix("http://").split(":")
    bodies = []
    for index in range(total):  # signed before the clock starts
        message_id = f"wamid.{tag}.{index}"
        body = webhook(message_id, phones[index % len(phones)], f"mensaje {index}")
        bodies.append((message_id, body, signature(body)))

    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": base}, max_size=None
    ) as ws:

        async def listen():
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("event") == "message:new":
                    provider_id = frame["data"].get("provider_id")
                    if provider_id in sent_at:
                        socket_latency.append(time.perf_counter() - sent_at[provider_id])

        listener = asyncio.create_task(listen())
        pool: asyncio.Queue = asyncio.Queue()
        for _ in range(connections):
            pool.put_nowait(RawHttp(host, int(port)))

        async def one(index: int):
            nonlocal errors
            message_id, body, signed = bodies[index]
            client = await pool.get()
            started = time.perf_counter()
            sent_at[message_id] = started
            try:
                status = await client.post(
                    "/webhooks/whatsapp/cloud",
                    body,
                    {"X-Hub-Signature-256": signed, "Content-Type": "application/json"},
                )
                if status != 200:
                    errors += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                client = RawHttp(host, int(port))
            finally:
                pool.put_nowait(client)
            answer_latency.append(time.perf_counter() - started)

        began = time.perf_counter()
        tasks = []
        for index in range(total):
            delay = began + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - began
        deadline = time.perf_counter() + 10
        while len(socket_latency) < total - errors and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        listener.cancel()

    return {
        "target_rate": rate,
        "messages": total,
        "errors": errors,
        "achieved_rate": round(total / elapsed, 1),
        "answer_p50_ms": round(percentile(answer_latency, 0.5) * 1000, 1),
        "answer_p99_ms": round(percentile(answer_latency, 0.99) * 1000, 1),
        "socket_p50_ms": round(percentile(socket_latency, 0.5) * 1000, 1),
        "socket_p99_ms": round(percentile(socket_latency, 0.99) * 1000, 1),
        "socket_received": len(socket_latency),
        "answer_mean_ms": round(statistics.fmean(answer_latency) * 1000, 1),
    }


async def main_async(args):
    server = Server(args)
    server.start()
    try:
        cookie = await console_cookies(server.base)
        ws_url = server.base.replace("http://", "ws://") + "/ws/"
        phones = [f"54935155{n:05d}" for n in range(args.customers)]
        # warm-up: creates the customers' contacts and conversations
        await run_rate(server.base, ws_url, cookie, 50, args.customers / 50, phones, "warm")
        rows = []
        for step, rate in enumerate(args.rates):  # a rate may repeat: ids must not
            row = await run_rate(
                server.base, ws_url, cookie, rate, args.seconds, phones, f"r{rate}.{step}"
            )
            rows.append(row)
            print(json.dumps(row), flush=True)
        return rows
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="sqlite")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rates", type=int, nargs="+", default=[100, 200, 300, 400])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--customers", type=int, default=200)
    args = parser.parse_args()
    rows = asyncio.run(main_async(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "label": args.label,
        "command": " ".join(sys.argv),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "workers": args.workers,
        "rows": rows,
    }
    (RESULTS / f"ingest-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
