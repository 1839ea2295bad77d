"""The fault scenario of embedded mode: one `ventanilla serve` (web, jobs and scheduler in one
process, SQLite) killed with `kill -9` in the middle of a burst of customers' messages and
started again, as a supervisor would. Same burst and invariants as tests/faults/test_scaled.py."""

import pytest

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

FAULT_AT = 3.5


def test_kill_serve_mid_burst(embedded_desk, record_property):
    embedded_desk.graph.latency = 0.15  # replies are being sent when the process dies
    burst = embedded_desk.start_burst()
    burst.sleep_until(FAULT_AT)
    embedded_desk.wait_for_a_send_in_progress()
    fault = embedded_desk.kill_and_restart(embedded_desk.webs[0], count_in_flight=True)
    outcome = embedded_desk.settle(fault)
    outcome.report(record_property)
    assert not outcome.problems, outcome.failure_message()
