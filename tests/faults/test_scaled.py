"""Fault scenarios in scaled mode: two `ventanilla web`, one `ventanilla worker`, PostgreSQL and
Redis behind proxies, the fake Graph. Each sends a burst of customers' messages (25 customers x 3
messages over ~8.5 s, every new customer greeted by the demo menu flow), injects one fault in the
middle of it, waits until the desk is quiet, then checks the invariants of tests/faults/outcome.py
against the desk's database and the Graph's record."""

import pytest

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

FAULT_AT = 3.5  # seconds into the burst: customers are mid-conversation, replies are going out


def _check(scenario, fault, record_property, *, allowed_extra_sends: int = 0):
    outcome = scenario.settle(fault, allowed_extra_sends=allowed_extra_sends)
    outcome.report(record_property)
    assert not outcome.problems, outcome.failure_message()


def test_kill_one_web_process_mid_burst(scaled_desk, record_property):
    burst = scaled_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    fault = scaled_desk.kill_and_restart(scaled_desk.webs[0])
    _check(scaled_desk, fault, record_property)


# two sender threads per process against a slow Graph: sends in flight and replies waiting for
# a thread (queued, committed, not claimed) when the kill comes
@pytest.mark.desk_environment(OUTBOX_SEND_THREADS="2")
def test_kill_a_web_process_while_it_sends_replies(scaled_desk, record_property):
    """Replies leave from the web process that stored the customer's message (ADR 0034): with
    a slow Graph its sender threads have sends in flight and replies waiting when it is killed.
    Each reply still reaches the customer exactly once: a reply committed but not claimed is
    sent by the worker's sweep after OUTBOX_REQUEUE_SECONDS; one claimed whose request never
    reached the Graph is sent again once its claim lapsed and no status named it within
    OUTBOX_UNKNOWN_OUTCOME_SECONDS; one the Graph accepted is settled by its status, which
    echoes our reference (the Graph offers no idempotency key: without that status it would be
    sent twice, docs/operations.md)."""
    graph = scaled_desk.graph
    graph.latency = 0.3  # Meta's answer on a slow day
    burst = scaled_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    scaled_desk.wait_for_a_send_in_progress()
    fault = scaled_desk.kill_and_restart(scaled_desk.webs[0], count_in_flight=True)

    assert fault.in_flight >= 1, "the kill came while replies were being sent"
    assert fault.notes["replies_queued_at_kill"] >= 1, "and while replies waited for a sender"
    _check(scaled_desk, fault, record_property)


def test_database_unreachable_for_5_seconds(scaled_desk, record_property):
    burst = scaled_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    fault = scaled_desk.cut(scaled_desk.postgres_proxy, 5)
    _check(scaled_desk, fault, record_property)


def test_redis_unreachable_for_10_seconds(scaled_desk, record_property):
    burst = scaled_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    fault = scaled_desk.cut(scaled_desk.redis_proxy, 10)
    _check(scaled_desk, fault, record_property)


def test_graph_answers_500_for_20_seconds(scaled_desk, record_property):
    burst = scaled_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    fault = scaled_desk.graph_fails(20)
    _check(scaled_desk, fault, record_property)
