"""Runs work on several threads released at the same moment, for the concurrency tests."""

import threading

from django.db import connection


def run_at_once(count: int, work) -> tuple[list, list[BaseException]]:
    """Calls work(index) on `count` threads at once; returns results by index and errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as error:  # collected for the test's assertions
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors
