"""A row of the chat list shows the time left to its area's response-time target and turns
overdue when the deadline passes, live, without a reload: the server sent the deadline, the
page only counts down to it (ADR 0032)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME

pytestmark = pytest.mark.e2e

DEADLINE_MS = 75_000  # the one-minute target, and the machine's slack


def test_a_row_counts_down_and_turns_overdue_live(serve, console) -> None:
    server = serve()
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)

    # given an area open all day (no working hours) that owes a first answer within a minute,
    # and a customer handed to it, waiting in its queue
    area = admin.api("POST", "/api/areas", {"name": "Guardia", "first_response_target_minutes": 1})
    written = admin.api(
        "POST",
        "/api/sandbox/messages",
        {"from": "+5493515550909", "name": "Irene Sosa", "text": "Se cortó el servicio"},
    )
    conversation = admin.api(
        "POST",
        f"/api/conversations/{written['conversation_id']}/transfer",
        {"area_id": area["id"]},
    )
    assert conversation["status"] == "queued"
    assert conversation["first_response_due_at"] is not None

    # when the admin looks at the list
    page = admin.page
    page.goto("/")
    admin.mark_page()
    due = page.locator(f"#conv-{conversation['id']} .tag--due")

    # then the row shows the minute left, then that it is overdue, on the same page
    expect(due).to_have_text("Responder en 1 min")
    expect(due).not_to_have_class(re.compile(r"\btag--overdue\b"))
    expect(due).to_have_text("Vencida hace 1 min", timeout=DEADLINE_MS)
    expect(due).to_have_class(re.compile(r"\btag--overdue\b"))
    assert admin.same_page()
    assert admin.errors == []
