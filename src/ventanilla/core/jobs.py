"""Enqueuing jobs once a transaction commits, without turning a committed change into an error."""

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.module_loading import autodiscover_modules

log = logging.getLogger(__name__)


def enqueue_after_commit(enqueue: Callable[[], object], *, what: str) -> None:
    """Calls `enqueue()` (which enqueues a job) when the current transaction commits. The change
    is stored by then, so a queue that is down (Redis unreachable) is logged, not raised: the
    caller's answer stays true, and a periodic sweep finds the work again (queued replies, queues
    to drain)."""

    def run() -> None:
        try:
            enqueue()
        except Exception as error:  # the job queue, not the stored change, failed
            log.warning("could not enqueue %s (%s); a sweep will", what, error)

    transaction.on_commit(run)


_NAMED: dict[str, Callable] = {}


def named(name: str) -> Callable:
    """Registers a job under `name`, so that the services its module calls can queue it
    (`enqueue_named_after_commit`) without importing the job module back."""

    def register(job: Callable) -> Callable:
        _NAMED[name] = job
        return job

    return register


def enqueue_named_after_commit(name: str, *args, what: str) -> None:
    """`enqueue_after_commit` of the job registered as `name`, with `args` (ids, plain values)."""
    enqueue_after_commit(lambda: _named_job(name)(*args), what=what)


def _named_job(name: str) -> Callable:
    if name not in _NAMED:  # a process that has not imported the job modules yet (they register)
        autodiscover_modules("tasks")
    return _NAMED[name]
