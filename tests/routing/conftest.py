from datetime import UTC, datetime, timedelta

import pytest

from ventanilla.accounts.models import Role, User
from ventanilla.core import clock

# Monday 1 June 2026, 09:00 in Buenos Aires (UTC-3)
MONDAY_9 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def move(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@pytest.fixture
def frozen_clock(monkeypatch):
    """`clock.now()` returns `frozen_clock.at`; tests move it instead of sleeping."""
    frozen = FrozenClock(MONDAY_9)
    monkeypatch.setattr(clock, "now", frozen)
    return frozen


@pytest.fixture
def make_agent(make_user):
    """An agent of `areas` who is, by default, eligible: active, available, console open."""

    def make(
        *areas,
        role=Role.SUPPORT,
        availability="available",
        console_open=True,
        max_open_conversations=None,
        last_assigned_at=None,
        is_active=True,
        **fields,
    ):
        user = make_user(
            role,
            areas=areas,
            max_open_conversations=max_open_conversations,
            is_active=is_active,
            **fields,
        )
        console = clock.now() + timedelta(days=30) if console_open else None
        User.objects.filter(pk=user.pk).update(
            availability=availability,
            console_seen_until=console,
            last_assigned_at=last_assigned_at,
        )
        user.refresh_from_db()
        return user

    return make
