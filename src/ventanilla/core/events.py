"""Live events for consoles: stored with the change that caused them, sent after it commits.

Every console socket listens on one broadcast group and drops what its user may not see (the
`audience` is checked by the consumer), so a user gets each event once, whatever their roles
and areas.
"""

import asyncio
import hashlib
import json
import logging
import threading

from channels.layers import get_channel_layer
from django.db import transaction

from ventanilla.core.db import insert_rows
from ventanilla.core.models import LiveEvent

CONSOLE_GROUP = "console"

log = logging.getLogger(__name__)


# Seen only by sockets whose console has the conversation open (`{"watch": id}`): a tick on a
# bubble is all they change, and they are most of the traffic (three per message sent).
WATCHED_ONLY = frozenset({"message:status"})


def frame_of(event: LiveEvent) -> dict:
    return {"event": event.name, "data": event.data, "id": event.pk}


def delivery_of(event: LiveEvent) -> dict:
    """What the layer carries of one event: its frame as JSON text, encoded once for every socket
    (the in-memory layer copies each message per socket; a string costs nothing to copy), and
    what a socket decides by."""
    delivery = {
        "id": event.pk,
        "text": json.dumps(frame_of(event)),
        "audience": event.audience,
    }
    if event.name in WATCHED_ONLY:
        delivery["watched"] = event.audience.get("conversation_id")
    return delivery


def publish(name: str, data: dict, *, audience: dict) -> LiveEvent:
    """Records the event in the current transaction and broadcasts it once that commits."""
    return publish_many([(name, data, audience)])[0]


def publish_many(items: list[tuple[str, dict, dict]]) -> list[LiveEvent]:
    """Several events of one change, stored in one statement, broadcast in this order."""
    rows = insert_rows(
        [LiveEvent(name=name, data=data, audience=audience) for name, data, audience in items]
    )
    # one layer message for the whole change: half the pub/sub traffic and socket wake-ups
    message = {"type": "console.events", "events": [delivery_of(row) for row in rows]}
    transaction.on_commit(lambda: broadcast(message))
    return rows


class _Outlet:
    """The broadcasts waiting to go out on one event loop, and the drain running there (held
    here: the loop keeps only a weak reference to a task)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.waiting: list[dict] = []  # touched on the loop only
        self.drain: asyncio.Task | None = None


class _Broadcaster:
    """Sends broadcasts in order on one event loop, without making the caller wait.

    The loop is the ASGI server's once a console socket has connected in this process (so the
    in-memory layer of the embedded mode reaches its consumers on their own loop), else a
    background loop of our own (workers, scaled mode). A drain runs on a loop only while
    broadcasts wait there (one at a time, so they go out in order): no task is left pending when
    the loop ends, and what waited on a loop given up for another still goes out from it.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._outlet: _Outlet | None = None

    def use_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the loop itself (from a consumer's connect)."""
        with self._lock:
            if self._outlet is None or self._outlet.loop is not loop:
                self._outlet = _Outlet(loop)

    def _own_loop(self) -> _Outlet:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        threading.Thread(target=run, name="ventanilla-broadcast", daemon=True).start()
        ready.wait(5)
        return _Outlet(loop)

    def send(self, message: dict) -> None:
        with self._lock:
            outlet = self._outlet
            if outlet is None or outlet.loop.is_closed() or not outlet.loop.is_running():
                outlet = self._outlet = self._own_loop()
        outlet.loop.call_soon_threadsafe(self._arrived, outlet, message)

    def _arrived(self, outlet: _Outlet, message: dict) -> None:
        outlet.waiting.append(message)
        if outlet.drain is None:
            outlet.drain = outlet.loop.create_task(self._drain(outlet))

    @staticmethod
    async def _drain(outlet: _Outlet) -> None:
        try:
            while outlet.waiting:
                pending = outlet.waiting[:MAX_COALESCED]
                del outlet.waiting[:MAX_COALESCED]
                layer = get_channel_layer()
                if layer is None:
                    continue
                for message in coalesced(pending):
                    try:
                        await layer.group_send(CONSOLE_GROUP, message)
                    except Exception:  # a lost broadcast is caught up by resume_from
                        log.exception("could not broadcast %s", message.get("type"))
        finally:
            outlet.drain = None


# Under load, changes commit faster than one pub/sub round trip: the events waiting meanwhile go
# out as one layer message (each socket still gets every frame, in order).
MAX_COALESCED = 200


def coalesced(messages: list[dict]) -> list[dict]:
    """Consecutive `console.events` messages merged into one, order kept."""
    merged: list[dict] = []
    for message in messages:
        if message["type"] == "console.events" and merged and merged[-1]["type"] == message["type"]:
            merged[-1]["events"].extend(message["events"])
        elif message["type"] == "console.events":
            merged.append({**message, "events": list(message["events"])})
        else:
            merged.append(message)
    return merged


_broadcaster = _Broadcaster()
use_loop = _broadcaster.use_loop


def broadcast(message: dict) -> None:
    _broadcaster.send(message)


def notify_internal(kind: str, **fields) -> None:
    """Broadcasts a message for the consumers themselves (not forwarded to browsers)."""
    transaction.on_commit(lambda: broadcast({"type": "console.internal", "kind": kind, **fields}))


def session_tag(session_key: str) -> str:
    """Names a session in internal messages: they cross Redis, where the key itself must not."""
    return hashlib.sha256(session_key.encode()).hexdigest()
