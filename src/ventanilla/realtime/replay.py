from ventanilla.core.events import delivery_of
from ventanilla.core.models import LiveEvent

REPLAY_LIMIT = 1000


def deliveries_after(last_id: int) -> list[dict]:
    """Events after `last_id` (oldest first), as broadcast, for a reconnecting console."""
    events = LiveEvent.objects.filter(pk__gt=last_id).order_by("pk")[:REPLAY_LIMIT]
    return [delivery_of(event) for event in events]
