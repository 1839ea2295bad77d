from ventanilla.core.events import frame_of
from ventanilla.core.models import LiveEvent

REPLAY_LIMIT = 1000


def frames_after(last_id: int) -> list[tuple[dict, dict]]:
    """Events after `last_id` (oldest first) with their audiences, for a reconnecting console."""
    events = LiveEvent.objects.filter(pk__gt=last_id).order_by("pk")[:REPLAY_LIMIT]
    return [(frame_of(event), event.audience) for event in events]
