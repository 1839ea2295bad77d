"""Python's garbage collector as the serving processes run it (`config/asgi.py`), also for the
benchmarks that time requests in-process (bench/search.py)."""

import gc

# a collection of the youngest generation after this many more allocations than deallocations
# (Python's default is 700): the ORM's many short-lived objects cost less on a busy line
YOUNG_THRESHOLD = 50_000


def tune_for_serving() -> None:
    """Everything loaded by now (modules, settings, URL patterns) lives as long as the process:
    kept out of the collector's way, and collections made rarer (measured in bench/ingest.py;
    docs/performance.md)."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 20)
