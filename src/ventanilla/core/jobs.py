"""Enqueuing jobs once a transaction commits, without turning a committed change into an error;
or handing the work to this process's sender threads instead."""

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction
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


def named_function(name: str) -> Callable:
    """What was registered as `name` (`named`)."""
    return _named_job(name)


def _named_job(name: str) -> Callable:
    if name not in _NAMED:  # a process that has not imported the job modules yet (they register)
        autodiscover_modules("tasks")
    return _NAMED[name]


class Senders:
    """Threads of this process that run work right after the commit that made it, without a job
    queue between (ADR 0034): a bot's reply leaves from the process that stored the customer's
    message. Work of one key (a conversation) runs in the order it was handed over, one at a
    time; different keys run side by side on up to `threads` threads.

    Not started (a management command, a test that does not ask for it), work goes to the job
    queue instead; `immediate` (the tests' default, as Huey's immediate mode) runs it on the
    committing thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._chains: dict[object, deque] = {}
        self._pending = 0
        self.limit = 0
        self.immediate = False

    def start(self, *, threads: int, limit: int) -> None:
        with self._lock:
            if self._executor is None and threads > 0:
                self._executor = ThreadPoolExecutor(threads, thread_name_prefix="sender")
                self.limit = limit

    def stop(self, *, wait: bool = True) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return self.immediate or self._executor is not None

    def submit(self, key: object, work: Callable[[], object]) -> bool:
        """Runs `work` after the work of `key` handed over before it; False when no thread
        takes it (not started, or `limit` pieces of work are waiting already)."""
        if self.immediate:
            _run_logged(work)
            return True
        with self._lock:
            if self._executor is None or self._pending >= self.limit:
                return False
            self._pending += 1
            if key in self._chains:
                self._chains[key].append(work)
                return True
            self._chains[key] = deque()
            self._executor.submit(self._chain, key, work)
        return True

    def _chain(self, key: object, work: Callable[[], object]) -> None:
        while True:
            _run_here(work)
            with self._lock:
                self._pending -= 1
                waiting = self._chains[key]
                if not waiting:
                    del self._chains[key]
                    return
                work = waiting.popleft()

    def idle(self) -> bool:
        with self._lock:
            return self._pending == 0


def _run_here(work: Callable[[], object]) -> None:
    """One piece of work on a sender thread, whose database connection is closed around it when
    stale or not to be kept (as around a job or a request)."""
    close_old_connections()
    try:
        _run_logged(work)
    finally:
        close_old_connections()


def _run_logged(work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:  # what it was doing is stored: a sweep or a job takes it up again
        log.exception("work handed over in-process failed")


senders = Senders()


def start_senders() -> None:
    """This process's sender threads, as the settings say (none with OUTBOX_SEND_THREADS=0)."""
    senders.start(threads=settings.OUTBOX_SEND_THREADS, limit=settings.OUTBOX_SEND_BACKLOG)


def hand_over_after_commit(
    key: object, work: Callable[[], object], *, otherwise: Callable[[], object], what: str
) -> None:
    """Runs `work` on this process's sender threads once the current transaction commits (in
    order with the earlier work of `key`); where no sender takes it, `otherwise` (which enqueues
    a job doing the same) runs instead, as `enqueue_after_commit` would."""

    def run() -> None:
        if senders.submit(key, work):
            return
        try:
            otherwise()
        except Exception as error:
            log.warning("could not enqueue %s (%s); a sweep will", what, error)

    transaction.on_commit(run)
