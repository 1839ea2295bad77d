"""A property-based run of the whole OpenAPI schema against a real desk (docs/security.md).

A real `ventanilla serve` on 127.0.0.1 (the browser tests' server: uvicorn, its own SQLite file or
its own PostgreSQL / MariaDB database), seeded through the API with areas, users of every role,
contacts and conversations with messages. Schemathesis generates requests for every operation of
/api/openapi.json, fitting the schema and not, sent with a session signed in through
/api/auth/login. No answer may be a 5xx, and every answer's status, content type and body must be
the ones the schema documents for the operation. The examples are bounded and derandomized, so a
run is the same run on every machine and fits in CI.
"""

import itertools
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server, own_database
from tests.fakes.webhook_receiver import FakeReceiver

# per operation, generation mode and signed-in role; more for a deeper run by hand
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
STRANGER_EXAMPLES = 2
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PASSWORD = "Fuzz-the-desk-2026"
TIMEOUT = 30
SESSION_COOKIE = "ventanilla_session"
LOGIN = "POST /api/auth/login"
# after these, the signed-in account may be signed out, renamed, demoted, deactivated or have a
# new password: it is put back as seeded and signed in again (Desk.repair)
ENDS_SESSIONS = {
    "POST /api/auth/logout",
    "PUT /api/users/{user_id}",
    "PATCH /api/users/{user_id}",
    "DELETE /api/sessions/{session_id}",
    "DELETE /api/users/{user_id}/sessions",
}

_phones = itertools.count(1)

# A role's run on PostgreSQL or MariaDB, on a busy machine, can outlast the suite's 120 s per test
pytestmark = pytest.mark.timeout(60 * (EXAMPLES + 1))


@dataclass
class Account:
    """A seeded user and the session signed in as them."""

    username: str
    role: str
    area_ids: list[int]
    id: int = 0
    session: requests.Session | None = None
    csrf: str = ""

    def put_body(self) -> dict:
        return {
            "username": self.username,
            "password": PASSWORD,
            "role": self.role,
            "name": self.username.title(),
            "email": None,
            "area_ids": self.area_ids,
            "default_area_id": None,
            "is_active": True,
            "max_open_conversations": None,
            "language": "",
        }


class Desk:
    def __init__(self, server: Server):
        self.server = server
        self.url = server.url
        self.accounts: dict[str, Account] = {}
        self.ids: dict[str, list[int]] = {}
        self.guardian: Account | None = None

    # --- sessions ---------------------------------------------------------------------------

    def sign_in(self, account: Account, password: str = PASSWORD) -> None:
        session = requests.Session()
        token = session.get(f"{self.url}/api/auth/csrf", timeout=TIMEOUT).json()["csrf_token"]
        answer = session.post(
            f"{self.url}/api/auth/login",
            json={"username": account.username, "password": password},
            headers={"X-CSRFToken": token},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        account.id = answer.json()["user"]["id"]
        account.session = session
        # signing in rotates the CSRF token
        account.csrf = session.get(f"{self.url}/api/auth/csrf", timeout=TIMEOUT).json()[
            "csrf_token"
        ]

    def call(self, account: Account, method: str, path: str, body=None) -> requests.Response:
        return account.session.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"X-CSRFToken": account.csrf},
            timeout=TIMEOUT,
        )

    def ok(self, account: Account, method: str, path: str, body=None, status=200) -> dict:
        answer = self.call(account, method, path, body)
        assert answer.status_code == status, (method, path, body, answer.text)
        return answer.json() if answer.content else {}

    def intact(self, account: Account) -> bool:
        answer = self.call(account, "GET", "/api/auth/me")
        if answer.status_code != 200:
            return False
        user = answer.json()["user"]
        return (
            user["username"] == account.username
            and user["role"] == account.role
            and user["is_active"]
            and sorted(area["id"] for area in user["areas"]) == sorted(account.area_ids)
        )

    def restore(self, account: Account, by: Account) -> None:
        """Puts the account back as seeded (an admin's PUT); when its session is gone too, sets its
        password again and signs it in (only then: hashing a password is slow by design)."""
        seeded = account.put_body()
        self.ok(by, "PUT", f"/api/users/{account.id}", {**seeded, "password": None})
        if not self.intact(account):
            self.ok(by, "PUT", f"/api/users/{account.id}", seeded)
            self.sign_in(account)

    def repair(self, account: Account) -> None:
        """After a call that may have changed users: the fuzzed account and the guardian admin
        (who restores it) are put back as seeded; each admin can restore the other."""
        guardian = self.guardian
        if not self.intact(guardian):
            assert account.role == "ADMIN" and self.intact(account)
            self.restore(guardian, by=account)
        if not self.intact(account):
            self.restore(account, by=guardian)


@dataclass
class Run:
    """What one role's run sent, and the first failure of each kind per operation."""

    requests: Counter = field(default_factory=Counter)
    failures: dict = field(default_factory=dict)

    def record(self, label: str, case, error: FailureGroup | Failure) -> None:
        failures = error.exceptions if isinstance(error, FailureGroup) else (error,)
        for failure in failures:
            key = (label, type(failure).__name__, getattr(failure, "_unique_key", ""))
            if key not in self.failures:
                self.failures[key] = f"{failure.title}\n{failure.message}\n{case.as_curl_command()}"

    def report(self, desk: Desk) -> str:
        found = "\n\n".join(f"{label}: {text}" for (label, *_), text in self.failures.items())
        log = desk.server.log_text()[-20_000:]
        return f"{found}\n\n--- the end of the server's log ({desk.server.log}):\n{log}"


@pytest.fixture(scope="module")
def desk(tmp_path_factory, request):
    database = own_database()
    if database is not None:
        database.create()
    migrated = None if database else request.getfixturevalue("migrated_sqlite")
    folder = tmp_path_factory.mktemp("openapi-fuzz")
    server = Server(folder, demo=True, database=database, migrated_file=migrated)
    # browsers send Secure cookies to http://127.0.0.1, requests does not: plain HTTP it is
    server.env["SESSION_COOKIE_SECURE"] = "false"
    receiver = FakeReceiver().start()  # the seeded webhook's (WEBHOOKS_ALLOW_PRIVATE_TARGETS)
    try:
        server.start()
        yield seed(Desk(server), webhook_url=f"{receiver.url}/hook")
    finally:
        server.stop()
        receiver.stop()
        if database is not None:
            database.drop()


def seed(desk: Desk, *, webhook_url: str) -> Desk:
    """The demo desk (areas Soporte and Ventas, a menu flow, working hours) plus, through the API,
    one user of every role, contacts, and conversations with messages in every state."""
    first = Account(ADMIN_USERNAME, "ADMIN", [])
    desk.sign_in(first, password=ADMIN_PASSWORD)
    areas = {a["name"]: a["id"] for a in desk.ok(first, "GET", "/api/areas")["items"]}
    soporte, ventas = areas["Soporte"], areas["Ventas"]
    desk.ok(first, "POST", "/api/areas", {"name": "Cobranzas", "description": "Pagos"}, 201)
    events = ["conversation.created", "message.received", "conversation.closed"]
    webhook = desk.ok(first, "POST", "/api/webhooks", {"url": webhook_url, "events": events}, 201)
    desk.guardian = Account("guardian", "ADMIN", [])
    accounts = [
        desk.guardian,
        Account("fuzz-admin", "ADMIN", []),
        Account("fuzz-supervisor", "SUPERVISOR", [soporte]),
        Account("fuzz-operator", "OPERATOR", [soporte]),
        Account("fuzz-support", "SUPPORT", [soporte, ventas]),
        Account("fuzz-sales", "SALES", [ventas]),
    ]
    for account in accounts:
        desk.ok(first, "POST", "/api/users", account.put_body(), 201)
        desk.sign_in(account)
        desk.ok(account, "POST", "/api/auth/availability", {"availability": "available"})
    desk.accounts = {account.role: account for account in accounts[1:]}
    operator = desk.accounts["OPERATOR"]

    contacts = [
        ("Ana Pérez", "30111222", soporte),
        ("Ana Perez", "30111222", ventas),
        ("Carla", "", None),
    ]
    for n, (name, dni, area) in enumerate(contacts):
        contact = {"name": name, "phone": f"+5493515{n:06d}", "dni": dni, "area_id": area}
        desk.ok(first, "POST", "/api/contacts", contact, 201)
    for status in ("bot", "assigned", "replied", "closed", "transferred"):
        phone = f"+54935177{next(_phones):05d}"
        written = desk.ok(
            first,
            "POST",
            "/api/sandbox/messages",
            {"from": phone, "name": f"Cliente {status}", "text": "hola"},
            201,
        )
        conversation = written["conversation_id"]
        if status == "bot":
            continue
        desk.ok(
            first, "POST", f"/api/conversations/{conversation}/transfer", {"user_id": operator.id}
        )
        if status in ("replied", "closed", "transferred"):
            desk.ok(
                operator,
                "POST",
                f"/api/conversations/{conversation}/messages",
                {"text": "Hola, ¿en qué te ayudo?"},
                201,
            )
        if status == "closed":
            desk.ok(operator, "POST", f"/api/conversations/{conversation}/close", {})
        if status == "transferred":
            desk.ok(
                operator, "POST", f"/api/conversations/{conversation}/transfer", {"area_id": ventas}
            )

    def ids(path: str) -> list[int]:
        return [item["id"] for item in desk.ok(first, "GET", path)["items"]]

    conversations = ids("/api/conversations")
    desk.ids = {
        "area_id": ids("/api/areas"),
        "user_id": ids("/api/users"),
        "contact_id": ids("/api/contacts"),
        "conversation_id": conversations,
        "message_id": [
            message
            for conversation in conversations
            for message in ids(f"/api/conversations/{conversation}/messages")
        ],
        "flow_id": ids("/api/flows"),
        "line_id": ids("/api/lines"),
        "working_hour_id": ids("/api/working-hours"),
        "subscription_id": [webhook["id"]],
        "delivery_id": ids(f"/api/webhooks/{webhook['id']}/deliveries"),
    }
    return desk


def steered(desk: Desk, strategy, mode: GenerationMode):
    """Generated cases, half of those with path ids pointing at seeded rows (fitting ones only:
    a case meant not to fit the schema keeps its ids)."""

    @st.composite
    def cases(draw):
        case = draw(strategy)
        if mode is GenerationMode.POSITIVE and case.path_parameters and draw(st.booleans()):
            for name in list(case.path_parameters):
                if desk.ids.get(name):
                    case.path_parameters[name] = draw(st.sampled_from(desk.ids[name]))
        return case

    return cases()


def fuzz(desk: Desk, account: Account | None, operations, examples: int) -> Run:
    """Every operation, cases that fit the schema and cases that do not, `examples` of each."""
    run = Run()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(desk, account, operation, mode, examples, run)
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise  # else nothing in its requests can be wrong: no parameters, no body
    return run


def fuzz_operation(desk: Desk, account: Account | None, operation, mode, examples, run) -> None:
    label = label_of(operation)
    anonymous = requests.Session()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each failure is reported as found
    )
    @given(case=steered(desk, operation.as_strategy(generation_mode=mode), mode))
    def one(case):
        headers, cookies = {}, {}
        if account is not None:
            # the session's own cookie, not the one generated for the security scheme
            headers = {"X-CSRFToken": account.csrf}
            cookies = {SESSION_COOKIE: account.session.cookies[SESSION_COOKIE]}
        response = case.call(
            base_url=desk.url,
            session=account.session if account is not None else anonymous,
            headers=headers,
            cookies=cookies,
            timeout=TIMEOUT,
        )
        run.requests[label] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (FailureGroup, Failure) as error:
            run.record(label, case, error)
        if account is not None and label in ENDS_SESSIONS:
            desk.repair(account)

    one()


def label_of(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.fixture(scope="module")
def schema(desk):
    return schemathesis.openapi.from_url(f"{desk.url}/api/openapi.json", timeout=TIMEOUT)


def operations_of(schema, *, leave_out=()) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in found if label_of(operation) not in leave_out]


def print_counts(who: str, run: Run) -> None:
    total = sum(run.requests.values())
    print(f"\n{who}: {total} generated requests over {len(run.requests)} operations")


# Failed sign-ins from one address are limited (twenty in 15 minutes, then 429 even to the right
# password), which would refuse the sign-ins of the repairs: the login is fuzzed by the stranger,
# whose test comes last.
@pytest.mark.parametrize("role", ["ADMIN", "SUPERVISOR", "OPERATOR"])
def test_every_operation_answers_as_documented_when_signed_in(desk, schema, role):
    account = desk.accounts[role]
    desk.repair(account)
    operations = operations_of(schema, leave_out={LOGIN})

    run = fuzz(desk, account, operations, EXAMPLES)

    print_counts(role, run)
    assert not run.failures, run.report(desk)
    assert set(run.requests) == {label_of(operation) for operation in operations}
    assert sum(run.requests.values()) >= len(operations) * EXAMPLES


def test_every_operation_answers_as_documented_to_a_stranger(desk, schema):
    operations = operations_of(schema)

    run = fuzz(desk, None, operations, STRANGER_EXAMPLES)

    print_counts("no session", run)
    assert not run.failures, run.report(desk)
    assert set(run.requests) == {label_of(operation) for operation in operations}
