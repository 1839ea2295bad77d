"""A TCP proxy the test owns, in front of PostgreSQL or Redis, to cut the desk off from them.

    proxy = TcpProxy("postgres", upstream_port=5432).start()
    url = f"postgres://postgres@127.0.0.1:{proxy.port}/db"   # what the desk processes get
    proxy.cut(5)    # every live connection reset at once; new ones reset for 5 s; then accepted

It runs an asyncio loop on a thread of its own, listens on a free port of 127.0.0.1 and only ever
connects to 127.0.0.1:<upstream_port>. The real servers are never touched: a cut only closes the
connections that go through the proxy.
"""

import asyncio
import contextlib
import threading
import time

UPSTREAM_HOST = "127.0.0.1"
CONNECT_TIMEOUT = 5.0
CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, name: str, upstream_port: int):
        self.name = name
        self.upstream_port = upstream_port
        self.port = 0
        self.accepted = 0  # connections passed through
        self.refused = 0  # connections reset because a cut was on (or upstream refused)
        self.reset_by_cuts = 0  # live connections a cut closed
        self.cuts: list[tuple[float, float]] = []  # (start, end), time.monotonic()
        self._cut_until = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._live: set[asyncio.StreamWriter] = set()

    # -- lifecycle (called from the test's thread) -------------------------------------------

    def start(self) -> "TcpProxy":
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run():
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, "127.0.0.1", 0)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as error:  # reported to start()
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=f"proxy-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError(f"the {self.name} proxy did not start: {failure}")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or not loop.is_running():
            return

        async def shutdown():
            if self._server is not None:
                self._server.close()
            self._reset_all()
            await asyncio.sleep(0.1)  # the connections' tasks see their ends

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        with contextlib.suppress(Exception):
            loop.close()
        self._loop = None

    def cut(self, seconds: float) -> tuple[float, float]:
        """Resets every live connection at once and every new one for `seconds`, then lets
        connections through again. Blocks for the duration; returns (start, end) monotonic."""
        assert self._loop is not None, f"the {self.name} proxy is not running"
        start = time.monotonic()
        self._cut_until = start + seconds
        asyncio.run_coroutine_threadsafe(self._reset_all_async(), self._loop).result(timeout=10)
        time.sleep(max(0.0, self._cut_until - time.monotonic()))
        end = time.monotonic()
        self.cuts.append((start, end))
        return start, end

    @property
    def cutting(self) -> bool:
        return time.monotonic() < self._cut_until

    # -- the loop's side ---------------------------------------------------------------------

    async def _reset_all_async(self) -> None:
        self.reset_by_cuts += self._reset_all()

    def _reset_all(self) -> int:
        live = list(self._live)
        for writer in live:
            _reset(writer)
        self._live.clear()
        return len(live) // 2  # a client's and an upstream's per connection

    async def _serve(self, client_reader, client_writer) -> None:
        if self.cutting:
            self.refused += 1
            _reset(client_writer)
            return
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                asyncio.open_connection(UPSTREAM_HOST, self.upstream_port), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError):
            self.refused += 1
            _reset(client_writer)
            return
        if self.cutting:  # a cut began while connecting
            self.refused += 1
            _reset(client_writer)
            _reset(upstream_writer)
            return
        self.accepted += 1
        self._live.update((client_writer, upstream_writer))
        pumps = [
            asyncio.ensure_future(_pump(client_reader, upstream_writer)),
            asyncio.ensure_future(_pump(upstream_reader, client_writer)),
        ]
        try:
            # PostgreSQL's and Redis's protocols do not half-close: one side ending ends both
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            for writer in (client_writer, upstream_writer):
                self._live.discard(writer)
                with contextlib.suppress(Exception):
                    writer.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copies until the reading side ends or fails."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, RuntimeError):
        while True:
            data = await reader.read(CHUNK)
            if not data:
                return
            writer.write(data)
            await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes the connection at once (RST, no graceful shutdown), as a dead link or server would
    look to the peer."""
    transport = writer.transport
    if transport is not None and not transport.is_closing():
        with contextlib.suppress(Exception):
            transport.abort()
