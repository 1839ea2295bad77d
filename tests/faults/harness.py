"""One fault scenario: the desk's processes, the proxies and the fake Graph in front of them, the
customers' burst, the fault, and waiting until the desk is quiet again.

    scenario.start_burst()
    scenario.burst.sleep_until(FAULT_AT)
    fault = scenario.kill_and_restart(scenario.webs[0])
    outcome = scenario.settle(fault)
    outcome.report(record_property)
    assert not outcome.problems, outcome.failure_message()

Built by the fixtures in conftest.py (`scaled_desk`, `embedded_desk`), which also stop and clean
up everything, whatever happens.
"""

import time
from dataclasses import dataclass, field

from tests.faults.customers import Burst
from tests.faults.desk import APP_SECRET, PHONE_NUMBER_ID, DeskProcess
from tests.faults.graph import FakeGraph
from tests.faults.outcome import PENDING, QUIET_SECONDS, DatabaseReader, Fault, Outcome
from tests.faults.proxy import TcpProxy

CUSTOMERS = 25
SETTLE_SECONDS = 50.0  # after the later of the fault's end and the burst's last message
IN_FLIGHT_WAIT = 5.0  # how long to wait for a send in progress before killing its sender


@dataclass
class Scenario:
    name: str
    graph: FakeGraph
    reader: DatabaseReader
    webs: list[DeskProcess]  # the processes that answer HTTP (`web`, or `serve`)
    worker: DeskProcess | None = None
    postgres_proxy: TcpProxy | None = None
    redis_proxy: TcpProxy | None = None
    burst: Burst | None = None
    customers: int = CUSTOMERS
    processes: list[DeskProcess] = field(default_factory=list)

    def start_burst(self) -> Burst:
        self.burst = Burst(
            base_urls=[web.url for web in self.webs],
            phone_number_id=PHONE_NUMBER_ID,
            app_secret=APP_SECRET,
            customers=self.customers,
            give_up_after=SETTLE_SECONDS,
        ).start()
        return self.burst

    # -- faults ------------------------------------------------------------------------------

    def wait_for_a_send_in_progress(self) -> None:
        """Until the Graph is answering a send (at most IN_FLIGHT_WAIT): a kill then interrupts
        one mid-request."""
        deadline = time.monotonic() + IN_FLIGHT_WAIT
        while time.monotonic() < deadline and self.graph.in_progress == 0:
            time.sleep(0.005)

    def kill_and_restart(self, process: DeskProcess, *, count_in_flight: bool = False) -> Fault:
        """`kill -9`, then the same command started again at once, as a supervisor would.
        With `count_in_flight`, the replies left `sending` by the dead process are counted
        (read before the restart: nothing else sends meanwhile)."""
        at_graph = self.graph.in_progress
        started = process.kill9()
        in_flight = queued = 0
        if count_in_flight:
            outbound = self.reader.snapshot().outbound
            in_flight = sum(1 for reply in outbound if reply.status == "sending")
            queued = sum(1 for reply in outbound if reply.status == "queued")
        process.start()
        ended = time.monotonic()
        ready = process.wait_ready()
        return Fault(
            f"kill -9 {process.name}",
            started,
            ended,
            in_flight=in_flight,
            notes={
                "graph_requests_in_progress_at_kill": at_graph,
                "replies_queued_at_kill": queued,
                "restarted_ready_after_s": round(ready - ended, 2),
            },
        )

    def cut(self, proxy: TcpProxy, seconds: float) -> Fault:
        reset, refused = proxy.reset_by_cuts, proxy.refused
        started, ended = proxy.cut(seconds)
        notes = {  # evidence that the desk was using the link and kept trying
            "connections_reset_by_cut": proxy.reset_by_cuts - reset,
            "connections_refused_during_cut": proxy.refused - refused,
        }
        return Fault(f"{proxy.name} unreachable {seconds:g} s", started, ended, notes=notes)

    def graph_fails(self, seconds: float) -> Fault:
        rejected = self.graph.rejected
        started, ended = self.graph.fail_for(seconds)
        notes = {"sends_answered_500": self.graph.rejected - rejected}
        return Fault(f"Graph answers 500 for {seconds:g} s", started, ended, notes=notes)

    # -- the end -----------------------------------------------------------------------------

    def wait_until_quiet(self, fault: Fault) -> tuple[bool, float]:
        """Until every customer message is accepted (or given up), no reply is queued or being
        sent, the Graph has posted its statuses, and nothing changed for QUIET_SECONDS; bounded
        by SETTLE_SECONDS after the later of the fault's end and the burst's last message."""
        burst = self.burst
        assert burst is not None
        since = max(fault.ended, burst.started_at + burst.last_due_at)
        deadline = since + SETTLE_SECONDS
        last, stable_since = None, time.monotonic()
        while time.monotonic() < deadline:
            snapshot = self.reader.snapshot()
            busy = (
                not burst.done()
                or not self.graph.statuses_idle()
                or self.graph.in_progress > 0
                or any(reply.status in PENDING for reply in snapshot.outbound)
            )
            signature = (snapshot.signature(), len(self.graph.sends))
            now = time.monotonic()
            if busy or signature != last:
                last, stable_since = signature, now
            elif now - stable_since >= QUIET_SECONDS:
                return True, now - since
            time.sleep(0.5)
        return False, time.monotonic() - since

    def settle(self, fault: Fault, *, allowed_extra_sends: int = 0) -> Outcome:
        quiet, waited = self.wait_until_quiet(fault)
        return Outcome(
            scenario=self.name,
            fault=fault,
            quiet=quiet,
            waited=waited,
            snapshot=self.reader.snapshot(),
            burst=self.burst,
            graph=self.graph,
            customers=self.customers,
            allowed_extra_sends=allowed_extra_sends,
        ).evaluate()
