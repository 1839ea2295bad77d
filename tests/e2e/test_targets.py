"""A row of the chat list shows the time left to its area's response-time target and turns
overdue when the deadline passes, live, without a reload: the server sent the deadline, the
page only counts down to it (ADR 0032)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME
from tests.e2e.test_screenshots import shoot

pytestmark = pytest.mark.e2e

PAST_THE_DEADLINE = "02:00"  # the one-minute target, and a minute more


def _handed_to(admin, area_id: int, phone: str, name: str, text: str) -> dict:
    written = admin.api(
        "POST", "/api/sandbox/messages", {"from": phone, "name": name, "text": text}
    )
    return admin.api(
        "POST", f"/api/conversations/{written['conversation_id']}/transfer", {"area_id": area_id}
    )


def test_a_row_counts_down_and_turns_overdue_live(serve, console) -> None:
    server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)

    # given areas open all day (no working hours) that owe a first answer within one minute
    # and within eight, and a customer handed to each, waiting in its queue
    guardia = admin.api(
        "POST", "/api/areas", {"name": "Guardia", "first_response_target_minutes": 1}
    )
    ventas = admin.api("POST", "/api/areas", {"name": "Ventas", "first_response_target_minutes": 8})
    urgent = _handed_to(
        admin, guardia["id"], "+5493515550909", "Irene Sosa", "Se cortó el servicio"
    )
    _handed_to(admin, ventas["id"], "+5493515550910", "Marcos Gil", "Quiero cambiar de plan")
    assert urgent["status"] == "queued"
    assert urgent["first_response_due_at"] is not None

    # when the admin looks at the list, on a page whose clock the test may move on
    page = admin.page
    page.clock.install()
    page.goto("/")
    admin.mark_page()
    due = page.locator(f"#conv-{urgent['id']} .tag--due")

    # then the row shows the minute left, then that it is overdue, on the same page
    expect(due).to_have_text("Responder en 1 min")
    expect(due).not_to_have_class(re.compile(r"\btag--overdue\b"))
    page.clock.fast_forward(PAST_THE_DEADLINE)  # the page's clock: no request, no reload
    expect(due).to_have_text("Vencida hace 1 min")
    expect(due).to_have_class(re.compile(r"\btag--overdue\b"))
    assert admin.same_page()
    assert admin.errors == []
    shoot(page, "chat-targets")  # one row overdue, one due soon
