import asyncio
import json
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ventanilla.accounts import selectors
from ventanilla.conversations.visibility import Viewer, can_see
from ventanilla.core import events
from ventanilla.core.events import CONSOLE_GROUP
from ventanilla.realtime import presence, replay

REMEMBERED_IDS = 2000
PRESENCE_REFRESH_SECONDS = 30
LARGEST_ID = 2**63 - 1  # what the databases store
# The socket's session is over: signed out or expired, or the person's password, role or active
# flag changed. The console goes to the login page instead of reconnecting (docs/events.md).
SESSION_ENDED = 4401


def _viewer_of(user_id: int) -> Viewer | None:
    from ventanilla.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    return Viewer.of(user) if user is not None else None


def visible_text(viewer: Viewer, delivery: dict, watching: int | None) -> str | None:
    """The frame this viewer may receive, as JSON text: whole, reduced to "it left your view",
    or nothing. An event for watchers only (`events.WATCHED_ONLY`) reaches the socket whose
    console has that conversation open."""
    audience = delivery["audience"]
    if can_see(viewer, audience):
        watched = delivery.get("watched", watching)
        return delivery["text"] if watched == watching else None
    previous = audience.get("previous")
    if previous and can_see(viewer, previous):
        gone = {"id": previous["conversation_id"], "visible": False}
        return json.dumps({"event": "conversation:update", "data": gone, "id": delivery["id"]})
    return None


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    """One socket per open console. Hears every desk event and forwards only what its user may
    see, each once (by event id), with the same rule the API lists and opens conversations by."""

    async def connect(self):
        user = self.scope.get("user")
        self.ended = False
        if user is None or not user.is_authenticated or not user.is_active:
            # a browser reads the close code only of a socket that opened; a refused handshake
            # reaches it as 1006, which it would retry forever
            await self.accept()
            await self.close(code=SESSION_ENDED)
            return
        self.user_id = user.pk
        self.session_key = self.scope["session"].session_key
        self.session_tag = events.session_tag(self.session_key)
        events.use_loop(asyncio.get_running_loop())
        self.viewer = await database_sync_to_async(_viewer_of)(user.pk)
        self.sent_ids: deque[int] = deque(maxlen=REMEMBERED_IDS)
        self.sent_set: set[int] = set()
        self.watching: int | None = None  # the conversation open in the console
        await self.channel_layer.group_add(CONSOLE_GROUP, self.channel_name)
        await self.accept()
        await database_sync_to_async(presence.console_opened)(user_id=user.pk)
        self.presence_task = asyncio.create_task(self._keep_present())

    async def disconnect(self, code):
        if hasattr(self, "user_id"):
            self.presence_task.cancel()
            await self.channel_layer.group_discard(CONSOLE_GROUP, self.channel_name)
            await database_sync_to_async(presence.console_closed)(user_id=self.user_id)

    async def _keep_present(self):
        while True:
            await asyncio.sleep(PRESENCE_REFRESH_SECONDS)
            if not await self._still_signed_in():  # expired, or a close that never arrived
                await self._end()
                return
            await database_sync_to_async(presence.console_alive)(user_id=self.user_id)

    async def _still_signed_in(self) -> bool:
        signed_in = await database_sync_to_async(selectors.session_user_id)(
            session_key=self.session_key
        )
        return signed_in == self.user_id

    async def _end(self) -> None:
        if self.ended:
            return
        self.ended, self.viewer = True, None  # nothing more is forwarded meanwhile
        await self.close(code=SESSION_ENDED)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = await self.decode_json(text_data or "")
        except ValueError:
            await self.send_json({"event": "error", "data": {"detail": "not JSON"}})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if self.ended or not isinstance(content, dict):
            return
        if "watch" in content:
            watch = content["watch"]
            if watch is not None and (type(watch) is not int or not 0 < watch <= LARGEST_ID):
                await self.send_json({"event": "error", "data": {"detail": "bad watch"}})
                return
            self.watching = watch
        if "resume_from" in content:
            try:
                last_id = int(content["resume_from"])
            except (TypeError, ValueError, OverflowError):
                last_id = None
            if last_id is None or abs(last_id) > LARGEST_ID:
                await self.send_json({"event": "error", "data": {"detail": "bad resume_from"}})
                return
            if not await self._still_signed_in():
                await self._end()
                return
            deliveries = await database_sync_to_async(replay.deliveries_after)(last_id)
            for delivery in deliveries:
                await self._forward(delivery)
            # not complete: more was missed than a replay holds; the console reads its lists again
            complete = len(deliveries) < replay.REPLAY_LIMIT
            done = {"last_id": last_id, "complete": complete}
            await self.send_json({"event": "resume:done", "data": done})

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, a hop to a thread
        # and back each time; forwarding events reads no database, and events are nearly all a
        # socket hears (8% of a busy embedded process's time, ADR 0034)
        if message["type"] == "console.events":
            await self.console_events(message)
            return
        await super().dispatch(message)

    async def console_events(self, message):
        for delivery in message["events"]:
            await self._forward(delivery)

    async def console_internal(self, message):
        kind = message.get("kind")
        if self.ended:
            return
        if (kind == "session_ended" and message.get("session") == self.session_tag) or (
            kind == "user_signed_out" and message.get("user_id") == self.user_id
        ):
            await self._end()
        elif kind == "scope" and message.get("user_id") == self.user_id:
            self.viewer = await database_sync_to_async(_viewer_of)(self.user_id)
            if self.viewer is None:
                await self._end()

    async def _forward(self, delivery: dict) -> None:
        event_id = delivery["id"]
        if self.viewer is None or event_id in self.sent_set:
            return
        text = visible_text(self.viewer, delivery, self.watching)
        if text is None:
            return
        if len(self.sent_ids) == self.sent_ids.maxlen:
            self.sent_set.discard(self.sent_ids[0])
        self.sent_ids.append(event_id)
        self.sent_set.add(event_id)
        await self.send(text_data=text)
