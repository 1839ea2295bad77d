"""Working-hour windows evaluated on wall-clock time. Pure: no database, no settings.

Days are numbered 0 = Sunday ... 6 = Saturday. A window whose end is before its start runs
overnight and belongs to the day it starts on: Saturday 22:00-06:00 is open from Saturday 22:00
to Sunday 06:00. The end is exclusive (a window 08:00-18:00 is closed at 18:00 sharp).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_COURTESY_TEXT = (
    "Nuestro horario de atención es de 8:00 a 18:00 hs. "
    "Te responderemos apenas volvamos a estar disponibles."
)

# far enough to reach every weekday from any instant, overnight windows included
_SEARCH_DAYS = 8


@dataclass(frozen=True)
class Window:
    days: frozenset[int]
    start: time
    end: time
    message: str = ""

    @property
    def overnight(self) -> bool:
        return self.end < self.start


def day_number(day: date) -> int:
    """0 = Sunday ... 6 = Saturday."""
    return day.isoweekday() % 7


def wall_clock(at: datetime, zone: str) -> datetime:
    """`at` (aware) as the naive wall-clock time of `zone`."""
    return at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def window_is_open(window: Window, local: datetime) -> bool:
    """Whether `window` is open at the wall-clock time `local`."""
    today = day_number(local.date())
    moment = local.time()
    if not window.overnight:
        return today in window.days and window.start <= moment < window.end
    yesterday = (today + 6) % 7
    started_today = today in window.days and moment >= window.start
    started_yesterday = yesterday in window.days and moment < window.end
    return started_today or started_yesterday


def is_open(windows: Iterable[Window], local: datetime) -> bool:
    """Open when any window is; an area without windows is always open."""
    windows = list(windows)
    return not windows or any(window_is_open(window, local) for window in windows)


def occurrences(window: Window, local: datetime) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) wall-clock intervals of `window` in the days around `local`."""
    for offset in range(-_SEARCH_DAYS, _SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if day_number(day) not in window.days:
            continue
        start = datetime.combine(day, window.start)
        end_day = day + timedelta(days=1) if window.overnight else day
        yield start, datetime.combine(end_day, window.end)


def courtesy_for(windows: Iterable[Window], local: datetime) -> str:
    """The text for a customer who reaches the area at `local`: the message of the next window
    to open, else of the window that closed most recently, else the default."""
    upcoming: list[tuple[datetime, int, str]] = []
    past: list[tuple[datetime, int, str]] = []
    for index, window in enumerate(windows):
        for start, end in occurrences(window, local):
            if start > local:
                upcoming.append((start, index, window.message))
            elif end <= local:
                past.append((end, -index, window.message))
    nearest_next = [message for _, _, message in sorted(upcoming)]
    nearest_past = [message for _, _, message in sorted(past, reverse=True)]
    for candidates in (nearest_next[:1], nearest_past[:1]):
        if candidates and candidates[0].strip():
            return candidates[0].strip()
    return DEFAULT_COURTESY_TEXT


# how far ahead open time is looked for: beyond it a target cannot be reached (windows of one
# minute a week and a target of weeks)
_DUE_SEARCH_DAYS = 3700


def _open_intervals(windows: list[Window], first_day: date) -> Iterator[tuple[datetime, datetime]]:
    """Wall-clock (start, end) of the windows from `first_day` on, in order, overlaps merged."""
    current: tuple[datetime, datetime] | None = None
    for offset in range(_DUE_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        starting = sorted(
            (
                datetime.combine(day, window.start),
                datetime.combine(day + timedelta(days=int(window.overnight)), window.end),
            )
            for window in windows
            if day_number(day) in window.days
        )
        for start, end in starting:
            if current is not None and start <= current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current is not None:
                yield current
            current = (start, end)
    if current is not None:
        yield current


def add_open_minutes(
    windows: Iterable[Window], start: datetime, minutes: int, zone: str
) -> datetime | None:
    """The instant when `minutes` of open time have passed since `start` (aware): time outside
    the windows does not count, so a deadline past closing time moves to the next opening. An
    area without windows is always open. None when the windows never give that much time."""
    windows = list(windows)
    if not windows:
        return start + timedelta(minutes=minutes)
    tz = ZoneInfo(zone)
    start = start.astimezone(UTC)  # instants of one fixed zone subtract as real time
    left = timedelta(minutes=minutes)
    yesterday = wall_clock(start, zone).date() - timedelta(days=1)  # its overnight window
    for local_start, local_end in _open_intervals(windows, yesterday):
        # real instants: a window across a change of offset lasts what the clocks say
        opened = max(local_start.replace(tzinfo=tz).astimezone(UTC), start)
        closed = local_end.replace(tzinfo=tz).astimezone(UTC)
        if closed <= opened:
            continue
        if left <= closed - opened:
            return opened + left
        left -= closed - opened
    return None
