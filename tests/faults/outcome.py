"""What a scenario left behind, read from the desk's own database, and what must hold of it.

The invariants (each broken one is listed, with the ids, in the failure message):

- every customer message the client posted is stored exactly once (none lost, none doubled),
  and in particular every one the desk answered 200 is stored;
- every message got its 200 in the end (the desk recovered);
- every bot reply ends `sent`, `delivered` or `read`, and the Graph received each one exactly once
  under its reference `ventanilla-message:<pk>` (the scenario may allow a few more sends: replies
  interrupted mid-send by a kill); no send lacks a reference or names no reply;
- every customer got the bot's greeting; every status webhook of the Graph was accepted, and
  none was lost behind its 200: a reply whose "delivered" the desk accepted ends delivered.
"""

import contextlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field

SETTLED = ("sent", "delivered", "read")
PENDING = ("queued", "sending")
REF_PREFIX = "ventanilla-message:"
QUIET_SECONDS = 3.0  # nothing changed for this long: the desk is done
LIST_AT_MOST = 15  # ids listed per broken invariant

INBOUND_SQL = (
    "SELECT provider_id, COUNT(*) FROM conversations_message "
    "WHERE direction = 'in' GROUP BY provider_id"
)
OUTBOUND_SQL = (
    "SELECT id, sender_type, status, provider_id, error, attempts "
    "FROM conversations_message WHERE direction = 'out' ORDER BY id"
)
CONVERSATIONS_SQL = (
    "SELECT c.id, (SELECT COUNT(*) FROM conversations_message m WHERE m.conversation_id = c.id "
    "AND m.direction = 'out' AND m.sender_type = 'bot') FROM conversations_conversation c"
)


@dataclass(frozen=True)
class Reply:
    pk: int
    sender_type: str
    status: str
    provider_id: str | None
    error: str
    attempts: int

    @property
    def ref(self) -> str:
        return f"{REF_PREFIX}{self.pk}"


@dataclass
class Snapshot:
    inbound: Counter  # provider id -> rows
    outbound: list[Reply]
    bot_replies_per_conversation: dict[int, int]

    @property
    def bot_replies(self) -> list[Reply]:
        return [reply for reply in self.outbound if reply.sender_type == "bot"]

    def signature(self) -> tuple:
        return (
            sum(self.inbound.values()),
            tuple((reply.pk, reply.status) for reply in self.outbound),
        )


class DatabaseReader:
    """Reads the desk's tables directly (psycopg on PostgreSQL, sqlite3 on the embedded file)."""

    def __init__(self, connect):
        self._connect = connect
        self._connection = None

    def _rows(self, sql: str) -> list[tuple]:
        for attempt in range(3):
            try:
                if self._connection is None:
                    self._connection = self._connect()
                return list(self._connection.execute(sql).fetchall())
            except Exception:
                self.close()
                if attempt == 2:
                    raise
                time.sleep(0.3)
        return []

    def snapshot(self) -> Snapshot:
        inbound = Counter({provider_id: count for provider_id, count in self._rows(INBOUND_SQL)})
        outbound = [
            Reply(pk, sender, status, provider_id, error or "", attempts)
            for pk, sender, status, provider_id, error, attempts in self._rows(OUTBOUND_SQL)
        ]
        per_conversation = dict(self._rows(CONVERSATIONS_SQL))
        return Snapshot(inbound, outbound, per_conversation)

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._connection.close()
            self._connection = None


@dataclass
class Fault:
    """What was done to the desk, when (time.monotonic()); `ended` is when it stopped acting:
    a cut or an outage over, a killed process started again."""

    name: str
    started: float
    ended: float
    in_flight: int = 0  # sends claimed (`sending`) when a sender was killed
    notes: dict = field(default_factory=dict)


def _listed(items) -> str:
    items = sorted(items, key=str)
    shown = ", ".join(str(item) for item in items[:LIST_AT_MOST])
    more = f" ... (+{len(items) - LIST_AT_MOST})" if len(items) > LIST_AT_MOST else ""
    return f"[{shown}{more}]"


@dataclass
class Outcome:
    scenario: str
    fault: Fault
    quiet: bool
    waited: float
    snapshot: Snapshot
    burst: object  # customers.Burst
    graph: object  # graph.FakeGraph
    customers: int
    allowed_extra_sends: int = 0
    summary: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def evaluate(self) -> "Outcome":
        self.summary, self.problems = {}, []
        self._customer_messages()
        self._replies()
        self._timing()
        return self

    # -- customers' messages -----------------------------------------------------------------

    def _customer_messages(self) -> None:
        deliveries = self.burst.deliveries
        posted = {mid for mid, d in deliveries.items() if d.first_posted_at is not None}
        accepted = {mid for mid, d in deliveries.items() if d.accepted_at is not None}
        stored = self.snapshot.inbound
        lost = posted - set(stored)
        accepted_missing = accepted - set(stored)
        doubled = {mid: n for mid, n in stored.items() if n > 1}
        unknown = set(stored) - set(deliveries)
        never_accepted = posted - accepted
        never_posted = set(deliveries) - posted
        answers = Counter()
        for delivery in deliveries.values():
            answers.update(delivery.answers)
        self.summary.update(
            customer_messages_planned=len(deliveries),
            customer_messages_posted=len(posted),
            customer_messages_accepted=len(accepted),
            customer_messages_stored=sum(1 for mid in posted if mid in stored),
            customer_messages_lost=len(lost),
            customer_messages_doubled=len(doubled),
            accepted_but_not_stored=len(accepted_missing),
            webhook_posts=sum(d.attempts for d in deliveries.values()),
            webhook_failed_answers=dict(answers),
        )
        if accepted_missing:
            self.problems.append(
                f"{len(accepted_missing)} customer messages were answered 200 but are not "
                f"stored (lost behind a 200): {_listed(accepted_missing)}"
            )
        if lost - accepted_missing:
            self.problems.append(
                f"{len(lost - accepted_missing)} customer messages never got a 200 and are not "
                f"stored: {_listed(lost - accepted_missing)}"
            )
        if doubled:
            self.problems.append(
                f"{len(doubled)} customer messages stored more than once: "
                f"{_listed(f'{mid} x{n}' for mid, n in doubled.items())}"
            )
        if never_accepted:
            answered = Counter()
            for mid in never_accepted:
                answered.update(deliveries[mid].answers)
            self.problems.append(
                f"{len(never_accepted)} customer messages never got a 200 before the client gave "
                f"up (answers: {dict(answered)}): {_listed(never_accepted)}"
            )
        if never_posted:
            self.problems.append(
                f"{len(never_posted)} customer messages were never posted (a customer waited in "
                f"vain for an earlier one to be accepted): {_listed(never_posted)}"
            )
        if unknown:
            self.problems.append(
                f"{len(unknown)} inbound rows no customer sent: {_listed(unknown)}"
            )
        conversations = self.snapshot.bot_replies_per_conversation
        ungreeted = [pk for pk, replies in conversations.items() if not replies]
        self.summary["conversations"] = len(conversations)
        if len(conversations) != self.customers:
            self.problems.append(
                f"{len(conversations)} conversations for {self.customers} customers"
            )
        if ungreeted:
            self.problems.append(
                f"{len(ungreeted)} conversations never got a bot reply (no greeting): "
                f"{_listed(ungreeted)}"
            )

    # -- the bot's replies and the Graph ------------------------------------------------------

    def _replies(self) -> None:
        replies = self.snapshot.bot_replies
        outbound_refs = {reply.ref for reply in self.snapshot.outbound}
        sends = self.graph.sends
        by_ref: dict[str | None, list] = {}
        for send in sends:
            by_ref.setdefault(send.ref, []).append(send)
        known_wamids = {reply.provider_id for reply in self.snapshot.outbound if reply.provider_id}
        statuses = Counter(reply.status for reply in replies)
        unsettled = [reply for reply in replies if reply.status not in SETTLED]
        never_sent = [reply for reply in replies if not by_ref.get(reply.ref)]
        repeated = {
            reply.pk: len(by_ref[reply.ref])
            for reply in replies
            if len(by_ref.get(reply.ref, ())) > 1
        }
        extra_sends = sum(count - 1 for count in repeated.values())
        untagged = by_ref.get(None, [])
        foreign = [ref for ref in by_ref if ref is not None and ref not in outbound_refs]
        orphans = [send for send in sends if send.wamid not in known_wamids]
        deliveries = self.graph.status_deliveries()
        status_answers = Counter()
        for delivery in deliveries:
            status_answers.update(delivery.answers)
        given_up = [d for d in deliveries if d.accepted_at is None]
        unapplied = self._delivered_not_applied(deliveries)
        self.summary.update(
            bot_replies=len(replies),
            bot_replies_by_status=dict(statuses),
            graph_sends=len(sends),
            graph_sends_untagged=len(untagged),
            graph_sends_unknown_to_desk=len(orphans),
            graph_rejected_500=self.graph.rejected,
            graph_refused_4xx=self.graph.refused,
            replies_never_sent=len(never_sent),
            replies_sent_more_than_once=len(repeated),
            extra_sends=extra_sends,
            allowed_extra_sends=self.allowed_extra_sends,
            sends_in_flight_at_kill=self.fault.in_flight,
            replies_tried_more_than_once=sum(1 for reply in replies if reply.attempts > 1),
            replies_sent_again_after_a_lost_outcome=sum(
                1 for reply in replies if reply.error.startswith("Send outcome unknown")
            ),
            status_webhooks=len(deliveries),
            status_webhooks_given_up=len(given_up),
            status_webhook_failed_answers=dict(status_answers),
            delivered_accepted_not_applied=len(unapplied),
        )
        if unsettled:
            by_status = {}
            for reply in unsettled:
                by_status.setdefault(reply.status, []).append(reply)
            for status, rows in sorted(by_status.items()):
                errors = Counter(reply.error[:90] for reply in rows)
                self.problems.append(
                    f"{len(rows)} bot replies ended {status!r} (not sent/delivered/read); "
                    f"errors {dict(errors)}: {_listed(reply.pk for reply in rows)}"
                )
        if never_sent:
            self.problems.append(
                f"{len(never_sent)} of {len(replies)} bot replies never reached the Graph under "
                f"their reference {REF_PREFIX}<pk>: {_listed(reply.pk for reply in never_sent)}"
            )
        too_many = {pk: n for pk, n in repeated.items() if n > 2}
        if too_many:
            self.problems.append(
                f"{len(too_many)} bot replies sent three times or more: "
                f"{_listed(f'{pk} x{n}' for pk, n in too_many.items())}"
            )
        if extra_sends > self.allowed_extra_sends:
            self.problems.append(
                f"{extra_sends} duplicate sends (allowed: {self.allowed_extra_sends}, the sends in "
                f"flight at a kill): {_listed(f'{pk} x{n}' for pk, n in repeated.items())}"
            )
        if untagged:
            self.problems.append(
                f"{len(untagged)} of {len(sends)} sends reached the Graph without "
                f"biz_opaque_callback_data (of them {len(orphans)} sends in all are unknown to "
                f"the desk: no row has their wamid, i.e. duplicates or lost outcomes)"
            )
        if foreign:
            self.problems.append(
                f"{len(foreign)} sends name a reference that is no outbound row: {_listed(foreign)}"
            )
        if given_up:
            self.problems.append(
                f"{len(given_up)} status webhooks of the Graph were never accepted "
                f"(answers {dict(status_answers)})"
            )
        if unapplied:
            self.problems.append(
                f"{len(unapplied)} bot replies whose 'delivered' status webhook the desk answered "
                f"200 did not end delivered (the status was lost behind its 200; pk:status): "
                f"{_listed(f'{reply.pk}:{reply.status}' for reply in unapplied)}"
            )

    def _delivered_not_applied(self, deliveries) -> list[Reply]:
        """Replies whose send's "delivered" was accepted (200) yet that are not delivered/read.
        A send names its reply by its reference, else (untagged) by the wamid the reply kept."""
        by_pk = {reply.pk: reply for reply in self.snapshot.outbound}
        by_wamid = {reply.provider_id: reply for reply in self.snapshot.outbound}
        sends = {send.wamid: send for send in self.graph.sends}
        unapplied = {}
        for delivery in deliveries:
            if delivery.status != "delivered" or delivery.accepted_at is None:
                continue
            send = sends.get(delivery.wamid)
            reply = None
            if send is not None and send.ref and send.ref.startswith(REF_PREFIX):
                number = send.ref.removeprefix(REF_PREFIX)
                reply = by_pk.get(int(number)) if number.isdigit() else None
            reply = reply or by_wamid.get(delivery.wamid)
            if reply is not None and reply.status not in ("delivered", "read"):
                unapplied[reply.pk] = reply
        return list(unapplied.values())

    # -- time --------------------------------------------------------------------------------

    def _timing(self) -> None:
        """Recovery: from the end of the fault until every webhook got its 200 and every bot
        reply reached the Graph (under its reference; else, for lack of one, under its wamid)."""
        fault, start = self.fault, self.burst.started_at
        by_ref: dict[str, float] = {}
        by_wamid: dict[str, float] = {}
        for send in self.graph.sends:
            if send.ref is not None:
                by_ref.setdefault(send.ref, send.at)
            by_wamid[send.wamid] = send.at
        accepted = [d.accepted_at for d in self.burst.deliveries.values()]
        reached = [
            by_ref.get(reply.ref, by_wamid.get(reply.provider_id or ""))
            for reply in self.snapshot.bot_replies
        ]
        last_accept = None if None in accepted else max(accepted, default=fault.ended)
        last_reply = None if None in reached else max(reached, default=fault.ended)
        recovery = (
            None
            if last_accept is None or last_reply is None
            else max(0.0, max(last_accept, last_reply) - fault.ended)
        )
        self.summary.update(
            fault=fault.name,
            fault_started_s=round(fault.started - start, 2),
            fault_seconds=round(fault.ended - fault.started, 2),
            burst_last_due_s=round(self.burst.last_due_at, 2),
            last_webhook_200_after_fault_s=_rounded(last_accept, fault.ended),
            last_reply_at_graph_after_fault_s=_rounded(last_reply, fault.ended),
            recovery_seconds=None if recovery is None else round(recovery, 2),
            quiet=self.quiet,
            waited_for_quiet_s=round(self.waited, 1),
            **fault.notes,
        )
        if not self.quiet:
            self.problems.insert(
                0, f"the desk did not settle within {self.waited:.0f} s after the burst/fault"
            )

    def report(self, record_property) -> str:
        for key, value in self.summary.items():
            record_property(key, value)
        text = json.dumps({"scenario": self.scenario, **self.summary}, indent=1, default=str)
        print(f"\n=== fault scenario {self.scenario}\n{text}")
        return text

    def failure_message(self) -> str:
        lines = [f"{self.scenario}: {len(self.problems)} invariants broken"]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append(f"  counts: {json.dumps(self.summary, default=str)}")
        return "\n".join(lines)


def _rounded(value: float | None, origin: float) -> float | None:
    return None if value is None else round(value - origin, 2)
