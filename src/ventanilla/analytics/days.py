"""The reports' days: whole local days of TIME_ZONE as UTC instants (zoneinfo computes the
boundaries, so DST and offsets are right; the databases only compare stored instants against
them), and the index of the day a row falls on."""

import itertools
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, F, Func, IntegerField, Value, When

from ventanilla.core import clock


@dataclass(frozen=True)
class Window:
    """Whole local days: [start, end) as aware UTC instants."""

    tz: zoneinfo.ZoneInfo
    days: list[date]
    bounds: list[datetime]  # len(days) + 1 local midnights, ascending
    period: str = "days"  # "today", "7d", "30d", "custom" or "days" (the last N days)

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    @property
    def today_start(self) -> datetime:
        return self.bounds[-2]


def dates_window(first: date, last: date, *, period: str = "custom") -> Window:
    """The local days `first` to `last`, both included."""
    local_days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [clock.local_midnight(day) for day in local_days]
    bounds.append(clock.local_midnight(last + timedelta(days=1)))
    return Window(tz=clock.desk_zone(), days=local_days, bounds=bounds, period=period)


def window(*, days: int, now: datetime | None = None, period: str = "days") -> Window:
    """The last `days` local days, today included."""
    last = clock.local_date(now)
    return dates_window(last - timedelta(days=days - 1), last, period=period)


class WholeDays(Func):
    """Whole days (86,400 s) from `start` to the column, for rows at or after `start`; exact
    integer arithmetic on each database (no floating point at midnight)."""

    output_field = IntegerField()
    arity = 1

    def __init__(self, column: str, start: datetime):
        super().__init__(F(column))
        self.start = start

    def as_sql(self, compiler, connection, **extra):
        (column,) = self.source_expressions
        column_sql, params = compiler.compile(column)
        start = connection.ops.adapt_datetimefield_value(self.start)
        if connection.vendor == "postgresql":
            # a float of at most 13 digits (90 days in µs): exact enough to floor
            sql = f"FLOOR(date_part('epoch', {column_sql} - %s) / 86400)::int"
        elif connection.vendor == "sqlite":
            # whole seconds of the text, fraction cut (SQLite would round .9995 up)
            seconds = "CAST(strftime('%%s', substr({}, 1, 19)) AS INTEGER)"
            sql = f"(({seconds.format(column_sql)} - {seconds.format('%s')}) / 86400)"
        elif connection.vendor == "mysql":
            return f"(TIMESTAMPDIFF(SECOND, %s, {column_sql}) DIV 86400)", (start, *params)
        else:
            raise NotImplementedError(connection.vendor)
        return sql, (*params, start)


def day_index(field: str, win: Window) -> Func | Case:
    """The index of the local day `field` falls on (rows are already filtered to the window).
    When every day of the window is 24 hours long (no DST change in it), arithmetic on the
    seconds since the window's start; else a CASE over the local midnights."""
    # timestamps: subtracting two datetimes of one zone would ignore a change of offset
    if all(b.timestamp() - a.timestamp() == 86400 for a, b in itertools.pairwise(win.bounds)):
        return WholeDays(field, win.start)
    whens = [
        When(**{f"{field}__lt": bound}, then=Value(index))
        for index, bound in enumerate(win.bounds[1:-1])
    ]
    return Case(*whens, default=Value(len(win.days) - 1), output_field=IntegerField())
