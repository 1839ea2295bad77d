"""Whether an agent has a console open: routing only hands chats to people who will see them."""

from datetime import timedelta

from ventanilla.accounts.models import User
from ventanilla.core import clock
from ventanilla.routing import tasks as routing_tasks

PRESENCE = timedelta(seconds=90)


def console_alive(*, user_id: int) -> None:
    User.objects.filter(pk=user_id).update(console_seen_until=clock.now() + PRESENCE)


def console_opened(*, user_id: int) -> None:
    """An agent who opens the console may take waiting conversations at once."""
    console_alive(user_id=user_id)
    area_ids = list(User.objects.get(pk=user_id).areas.values_list("pk", flat=True))
    if area_ids:
        routing_tasks.drain(area_ids=area_ids)


def console_closed(*, user_id: int) -> None:
    # another open tab of the same person says it is alive again within its refresh interval
    User.objects.filter(pk=user_id).update(console_seen_until=clock.now())
