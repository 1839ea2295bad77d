"""Tolerant readers for values in provider payloads: never raise, answer "" or None instead."""

import math
from datetime import UTC, datetime
from typing import Any


def as_text(value: Any) -> str:
    """Strings as they are, integers as digits (ids and codes), everything else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def as_number(value: Any) -> float | None:
    """A finite number (e.g. a coordinate) as float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def as_unix_time(value: Any) -> datetime | None:
    """Unix seconds (or milliseconds), string or number -> aware UTC datetime; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
    if not isinstance(value, int | float | str):
        return None
    try:
        seconds = int(value)
        if seconds > 10**11:  # milliseconds
            seconds //= 1000
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
