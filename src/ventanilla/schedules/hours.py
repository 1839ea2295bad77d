"""Working-hour windows evaluated on wall-clock time. Pure: no database, no settings.

Days are numbered 0 = Sunday ... 6 = Saturday. A window whose end is before its start runs
overnight and belongs to the day it starts on: Saturday 22:00-06:00 is open from Saturday 22:00
to Sunday 06:00. The end is exclusive (a window 08:00-18:00 is closed at 18:00 sharp).

Closed days (holidays) are local dates on which no window opens: a window that starts on a closed
day does not open (one that started the evening before still runs to its end), and an area without
windows, open all the time otherwise, is closed from that midnight to the next. `closed` maps each
closed date to its courtesy text ("" = the windows' text).
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_COURTESY_TEXT = (
    "Nuestro horario de atención es de 8:00 a 18:00 hs. "
    "Te responderemos apenas volvamos a estar disponibles."
)

NO_CLOSED_DAYS: Mapping[date, str] = {}

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


def _opens_on(window: Window, day: date, closed: Mapping[date, str]) -> bool:
    return day_number(day) in window.days and day not in closed


def window_is_open(
    window: Window, local: datetime, closed: Mapping[date, str] = NO_CLOSED_DAYS
) -> bool:
    """Whether `window` is open at the wall-clock time `local`."""
    today = local.date()
    moment = local.time()
    if not window.overnight:
        return _opens_on(window, today, closed) and window.start <= moment < window.end
    started_today = _opens_on(window, today, closed) and moment >= window.start
    yesterday = today - timedelta(days=1)
    started_yesterday = _opens_on(window, yesterday, closed) and moment < window.end
    return started_today or started_yesterday


def is_open(
    windows: Iterable[Window], local: datetime, closed: Mapping[date, str] = NO_CLOSED_DAYS
) -> bool:
    """Open when any window is; an area without windows is open but on its closed days."""
    windows = list(windows)
    if not windows:
        return local.date() not in closed
    return any(window_is_open(window, local, closed) for window in windows)


def occurrences(
    window: Window, local: datetime, closed: Mapping[date, str] = NO_CLOSED_DAYS
) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) wall-clock intervals of `window` in the days around `local`."""
    for offset in range(-_SEARCH_DAYS, _SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if not _opens_on(window, day, closed):
            continue
        start = datetime.combine(day, window.start)
        end_day = day + timedelta(days=1) if window.overnight else day
        yield start, datetime.combine(end_day, window.end)


def courtesy_for(
    windows: Iterable[Window], local: datetime, closed: Mapping[date, str] = NO_CLOSED_DAYS
) -> str:
    """The text for a customer who reaches the area at `local`: the closed day's own text, else
    the message of the next window to open, else of the window that closed most recently, else
    the default."""
    if closed.get(local.date(), "").strip():
        return closed[local.date()].strip()
    upcoming: list[tuple[datetime, int, str]] = []
    past: list[tuple[datetime, int, str]] = []
    for index, window in enumerate(windows):
        for start, end in occurrences(window, local, closed):
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


# an area without windows but with closed days: open from each other midnight to the next
_ALL_DAY = Window(days=frozenset(range(7)), start=time(0), end=time(0))


def _open_intervals(
    windows: list[Window], first_day: date, closed: Mapping[date, str]
) -> Iterator[tuple[datetime, datetime]]:
    """Wall-clock (start, end) of the windows from `first_day` on, in order, overlaps merged."""
    current: tuple[datetime, datetime] | None = None
    for offset in range(_DUE_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        starting = sorted(
            (
                datetime.combine(day, window.start),
                datetime.combine(day + timedelta(days=int(window.end <= window.start)), window.end),
            )
            for window in windows
            if _opens_on(window, day, closed)
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
    windows: Iterable[Window],
    start: datetime,
    minutes: int,
    zone: str,
    closed: Mapping[date, str] = NO_CLOSED_DAYS,
) -> datetime | None:
    """The instant when `minutes` of open time have passed since `start` (aware): time outside
    the windows and on closed days does not count, so a deadline past closing time moves to the
    next opening. An area without windows is open but on its closed days. None when the windows
    never give that much time."""
    windows = list(windows)
    if not windows and not closed:
        return start + timedelta(minutes=minutes)
    windows = windows or [_ALL_DAY]
    tz = ZoneInfo(zone)
    start = start.astimezone(UTC)  # instants of one fixed zone subtract as real time
    left = timedelta(minutes=minutes)
    yesterday = wall_clock(start, zone).date() - timedelta(days=1)  # its overnight window
    for local_start, local_end in _open_intervals(windows, yesterday, closed):
        # real instants: a window across a change of offset lasts what the clocks say
        opened = max(local_start.replace(tzinfo=tz).astimezone(UTC), start)
        closed = local_end.replace(tzinfo=tz).astimezone(UTC)
        if closed <= opened:
            continue
        if left <= closed - opened:
            return opened + left
        left -= closed - opened
    return None
