"""Whether an agent has a console open: routing only hands chats to people who will see them."""

from datetime import timedelta

from ventanilla.accounts.models import User
from ventanilla.core import clock

PRESENCE = timedelta(seconds=90)


def console_alive(*, user_id: int) -> None:
    User.objects.filter(pk=user_id).update(console_seen_until=clock.now() + PRESENCE)


def console_closed(*, user_id: int) -> None:
    # another open tab of the same person says it is alive again within its refresh interval
    User.objects.filter(pk=user_id).update(console_seen_until=clock.now())
