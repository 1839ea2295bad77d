"""The round trip's floor: what a desk that stores nothing and runs no bot costs on this machine.

`bench/roundtrip.py` measures the desk. This measures the same traffic against a null desk, to
know how much of the two cores the traffic itself takes before any database write, flow or
permission check: a bare ASGI app under uvicorn, configured as `ventanilla serve` configures it
(uvloop, httptools, access log on unless `--no-access-log`), that for each Cloud API webhook

- reads the body, checks its X-Hub-Signature-256 and parses the JSON (what a correct desk must
  do before answering 200), and answers `{"status": "stored"}`;
- for a customer message, sends the bot's replies to the fake Graph API (1 or 2, 1.67 on average
  as the demo flow does, on kept-alive connections with bench/ingest.py's lean client, the
  cheapest Python client we have) and pushes `--frames` socket frames to every console (the desk
  pushes 4.2 per customer message);
- for a status, pushes nothing (the desk sends ticks only to a console watching the chat).

The fake Graph API is bench/roundtrip.py's (answers after 50 ms, then posts the signed sent,
delivered and read statuses back); the generator (this process) posts signed one-message
webhooks open-loop; `--consoles` sockets are held by a process of their own. Per rate: webhook
answer p50/p99, statuses answered, and the CPU of every process (cores = CPU seconds / seconds).

    uv run python bench/floor.py --rates 50 100 300 --seconds 15 --label floor
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import APP_SECRET, PHONE_NUMBER_ID, free_port, percentile, signature, webhook
from roundtrip import (
    ACCESS_TOKEN,
    RESULTS,
    ROOT,
    WEBHOOK_PATH,
    Child,
    Pool,
    _read_body,
    _respond,
)

SECRET = APP_SECRET.encode()
FRAME = json.dumps(
    {"event": "message:new", "data": {"id": 1, "conversation_id": 1, "body": "x" * 120}, "id": 1}
)


# --- the null desk ---------------------------------------------------------------------------


class NullDesk:
    def __init__(self, graph_port: int, frames: int):
        self.graph = Pool("127.0.0.1", graph_port, 64)
        self.frames = frames
        self.sockets: set = set()
        self.customer_messages = 0
        self.tasks: set[asyncio.Task] = set()

    async def app(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            await self._socket(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if body is None:
            return
        if scope["method"] == "GET":
            await _respond(send, 200, {"customer_messages": self.customer_messages})
            return
        given = dict(scope["headers"]).get(b"x-hub-signature-256", b"").decode()
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            await _respond(send, 403, {"detail": "Bad or missing X-Hub-Signature-256."})
            return
        value = json.loads(body)["entry"][0]["changes"][0]["value"]
        for message in value.get("messages", ()):
            self.customer_messages += 1
            replies = 1 if self.customer_messages % 3 == 0 else 2
            task = asyncio.create_task(self._answer(message["from"], replies))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            for _ in range(self.frames):
                for socket_send in list(self.sockets):
                    await socket_send({"type": "websocket.send", "text": FRAME})
        await _respond(send, 200, {"status": "stored", "messages": len(value.get("messages", ()))})

    async def _answer(self, phone: str, replies: int) -> None:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ACCESS_TOKEN}"}
        for number in range(replies):
            body = {
                "messaging_product": "whatsapp",
                "to": phone,
                "type": "text",
                "text": {"body": f"reply {number}"},
            }
            raw = json.dumps(body).encode()
            await self.graph.post(f"/{PHONE_NUMBER_ID}/messages", raw, headers)

    async def _socket(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                self.sockets.add(send)
            elif message["type"] == "websocket.disconnect":
                self.sockets.discard(send)
                return


def desk_main(argv: list[str]) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="floor.py _desk")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--graph-port", type=int, required=True)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    desk = NullDesk(args.graph_port, args.frames)
    uvicorn.run(
        desk.app,
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        access_log=not args.no_access_log,
        lifespan="off",
        interface="asgi3",
    )


async def consoles_main(url: str, count: int) -> None:
    import websockets

    frames = 0

    async def hold():
        nonlocal frames
        async with websockets.connect(url, max_size=None) as ws:
            async for _ in ws:
                frames += 1

    await asyncio.gather(*(hold() for _ in range(count)))


# --- the generator ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_rate(desk_port: int, rate: float, seconds: float, tag: str) -> dict:
    pool = Pool("127.0.0.1", desk_port, 64)
    total = int(rate * seconds)
    bodies = []
    for index in range(total):
        body = webhook(f"wamid.{tag}.{index}", f"5491100{index % 5000:05d}", f"mensaje {index}")
        bodies.append((body, signature(body)))
    answers, errors = [], 0
    start = time.monotonic() + 0.2

    async def post(index: int) -> None:
        nonlocal errors
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        body, signed = bodies[index]
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signed}
        try:
            status = await pool.post(WEBHOOK_PATH, body, headers)
        except Exception:
            status = None
        if status == 200:
            answers.append(time.monotonic() - due)
        else:
            errors += 1

    await asyncio.gather(*(post(index) for index in range(total)))
    pool.close()
    return {
        "messages": total,
        "errors": errors,
        "answer_p50_ms": round(percentile(answers, 0.5) * 1000, 1),
        "answer_p99_ms": round(percentile(answers, 0.99) * 1000, 1),
    }


def stats(port: int, path: str) -> dict:
    import httpx

    return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).json()


def run(args) -> list[dict]:
    folder = ROOT / "var" / "floor"
    folder.mkdir(parents=True, exist_ok=True)
    desk_port, graph_port = free_port(), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    me = [sys.executable, __file__]
    graph_command = [sys.executable, str(ROOT / "bench" / "roundtrip.py"), "_graph"]
    graph_command += ["--port", str(graph_port), "--webhooks", f"http://127.0.0.1:{desk_port}"]
    graph = Child(
        "graph",
        graph_command,
        env,
        folder / "graph.log",
        graph_port,
    )
    desk_command = [*me, "_desk", "--port", str(desk_port), "--graph-port", str(graph_port)]
    desk_command += ["--frames", str(args.frames)]
    desk_command += ["--no-access-log"] if args.no_access_log else []
    desk = Child("desk", desk_command, env, folder / "desk.log", desk_port)
    ws_url = f"ws://127.0.0.1:{desk_port}/ws/"
    consoles = Child(
        "consoles",
        [*me, "_consoles", ws_url, str(args.consoles)],
        env,
        folder / "consoles.log",
        None,
    )
    children = [graph, desk, consoles]
    rows = []
    try:
        graph.start().wait_ready("/bench/stats")
        desk.start().wait_ready("/")
        consoles.start().wait_ready("/")
        for rate in args.rates:
            before = {child.name: cpu_seconds(child.pid) for child in children}
            before["generator"] = time.process_time()
            accepted_before = stats(graph_port, "/bench/stats").get("statuses_accepted", 0)
            began = time.monotonic()
            row = asyncio.run(one_rate(desk_port, rate, args.seconds, f"r{rate}"))
            time.sleep(args.settle)  # the last sends' statuses come back
            elapsed = time.monotonic() - began
            after = {child.name: cpu_seconds(child.pid) for child in children}
            after["generator"] = time.process_time()
            graph_stats = stats(graph_port, "/bench/stats")
            cores = {name: round((after[name] - before[name]) / elapsed, 3) for name in after}
            row.update(
                rate=rate,
                statuses_accepted=graph_stats.get("statuses_accepted", 0) - accepted_before,
                cores=cores,
                desk_cpu_ms_per_message=round(
                    (after["desk"] - before["desk"]) * 1000 / row["messages"], 2
                ),
                all_cpu_ms_per_message=round(
                    sum(after[n] - before[n] for n in after) * 1000 / row["messages"], 2
                ),
            )
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        for child in reversed(children):
            child.stop()
    return rows


def main() -> None:
    if sys.argv[1:2] == ["_desk"]:
        desk_main(sys.argv[2:])
        return
    if sys.argv[1:2] == ["_consoles"]:
        import uvloop

        uvloop.run(consoles_main(sys.argv[2], int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 300])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--consoles", type=int, default=10)
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--label", default="floor")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    rows = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"floor-{args.label}.json"
    output = {
        "label": args.label,
        "command": " ".join(["bench/floor.py", *sys.argv[1:]]),
        "started": started,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "rows": rows,
    }
    path.write_text(json.dumps(output, indent=2) + "\n")
    print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
