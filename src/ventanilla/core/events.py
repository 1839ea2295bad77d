"""Live events for consoles: stored with the change that caused them, sent after it commits.

Every console socket listens on one broadcast group and drops what its user may not see (the
`audience` is checked by the consumer), so a user gets each event once, whatever their roles
and areas.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from ventanilla.core.models import LiveEvent

CONSOLE_GROUP = "console"

log = logging.getLogger(__name__)


def frame_of(event: LiveEvent) -> dict:
    return {"event": event.name, "data": event.data, "id": event.pk}


def publish(name: str, data: dict, *, audience: dict) -> LiveEvent:
    """Records the event in the current transaction and broadcasts it once that commits."""
    event = LiveEvent.objects.create(name=name, data=data, audience=audience)
    message = {"type": "console.event", "frame": frame_of(event), "audience": audience}
    transaction.on_commit(lambda: broadcast(message))
    return event


def broadcast(message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(CONSOLE_GROUP, message)
    except Exception:  # a lost broadcast is caught up by resume_from; never fail the request
        log.exception("could not broadcast %s", message.get("frame", {}).get("event"))


def notify_internal(kind: str, **fields) -> None:
    """Broadcasts a message for the consumers themselves (not forwarded to browsers)."""
    transaction.on_commit(lambda: broadcast({"type": "console.internal", "kind": kind, **fields}))
