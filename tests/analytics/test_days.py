"""Which local day a row counts on: arithmetic on whole days when the window has no DST change,
local midnights (CASE) when it has one; exact at midnight on every database."""

import itertools
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.db.models import Case

from ventanilla.analytics import selectors
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation

_phones = itertools.count(1)


def _opened(line, when: datetime) -> None:
    contact = Contact.objects.create(name="Cliente", phone=f"+5493517{next(_phones):06d}")
    Conversation.objects.create(
        line=line, contact=contact, status="bot", created_at=when, last_activity_at=when
    )


def _opened_per_day(admin, first: date, last: date) -> dict:
    report = selectors.report(user=admin, win=selectors.dates_window(first, last))
    return {day["date"]: day["opened"] for day in report["per_day"]}


@pytest.fixture
def clock_after(monkeypatch):
    from ventanilla.core import clock

    def at(moment):
        monkeypatch.setattr(clock, "now", lambda: moment)

    return at


def test_midnight_belongs_to_the_day_it_starts(settings, admin, sandbox_line, clock_after):
    settings.TIME_ZONE = "America/Argentina/Buenos_Aires"
    ba = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    clock_after(datetime(2026, 3, 10, 12, tzinfo=ba))
    midnight = datetime(2026, 3, 9, tzinfo=ba)
    _opened(sandbox_line, midnight - timedelta(microseconds=1))
    _opened(sandbox_line, midnight)
    _opened(sandbox_line, midnight + timedelta(days=1, microseconds=-1))
    _opened(sandbox_line, datetime(2026, 3, 8, tzinfo=ba))

    win = selectors.dates_window(date(2026, 3, 8), date(2026, 3, 10))
    assert not isinstance(selectors.day_index("created_at", win), Case)
    assert _opened_per_day(admin, date(2026, 3, 8), date(2026, 3, 10)) == {
        "2026-03-08": 2,
        "2026-03-09": 2,
        "2026-03-10": 0,
    }


def test_a_window_over_a_dst_change_counts_by_local_midnights(
    settings, admin, sandbox_line, clock_after
):
    # Madrid moves from UTC+1 to UTC+2 on Sunday 2026-03-29: that day is 23 hours long
    settings.TIME_ZONE = "Europe/Madrid"
    madrid = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    clock_after(datetime(2026, 3, 31, 12, tzinfo=madrid))
    _opened(sandbox_line, datetime(2026, 3, 29, 23, 30, tzinfo=madrid))  # 21:30 UTC
    _opened(sandbox_line, datetime(2026, 3, 30, 0, 30, tzinfo=madrid))  # 22:30 UTC on the 29th
    _opened(sandbox_line, datetime(2026, 3, 28, 23, 59, tzinfo=madrid))

    win = selectors.dates_window(date(2026, 3, 28), date(2026, 3, 30))
    assert isinstance(selectors.day_index("created_at", win), Case)
    assert _opened_per_day(admin, date(2026, 3, 28), date(2026, 3, 30)) == {
        "2026-03-28": 1,
        "2026-03-29": 1,
        "2026-03-30": 1,
    }
