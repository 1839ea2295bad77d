"""Small, hot, rarely written tables kept in process memory for a few seconds."""

import time
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class ProcessCache(Generic[Value]):
    """`load()`'s result, reloaded at most every `seconds` in this process.

    The writer's own process sees a change at once (its service calls `forget()`); every other
    process within `seconds`. Two threads may load at the same moment; both results are equal.
    """

    _every: "list[ProcessCache]" = []

    def __init__(self, load: Callable[[], Value], *, seconds: float):
        self._load = load
        self._seconds = seconds
        self._entry: tuple[float, Value] | None = None
        ProcessCache._every.append(self)

    def get(self) -> Value:
        entry = self._entry
        if entry is None or time.monotonic() - entry[0] > self._seconds:
            entry = (time.monotonic(), self._load())
            self._entry = entry
        return entry[1]

    def forget(self) -> None:
        self._entry = None


def forget_every_process_cache() -> None:
    """Every cached copy of this process reloads on its next use (tests: rows of an earlier
    test are gone, and a statement count must not depend on which copy expired meanwhile)."""
    for cache in ProcessCache._every:
        cache.forget()
