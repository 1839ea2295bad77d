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


def test_kill_the_worker_while_replies_are_sent(scaled_desk, record_property):
    """The one scenario where a send may be repeated: a reply whose request reached the Graph
    when the worker died may be sent once more; never more than the sends in flight then."""
    graph = scaled_desk.graph
    graph.latency = 0.15  # Meta's own answer time: sends are in flight most of the time
    burst = scaled_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    scaled_desk.wait_for_a_send_in_progress()
    fault = scaled_desk.kill_and_restart(scaled_desk.worker, count_in_flight=True)
    _check(scaled_desk, fault, record_property, allowed_extra_sends=fault.in_flight)


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
