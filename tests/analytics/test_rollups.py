# ruff: noqa: F811 (the fixtures imported from tests.analytics are the arguments)
"""The per-day counts of complete days, stored per area (analytics.rollups,
conversations.daycounts, docs/adr/0041-reports-under-300-ms.md): stored by the first report that
needs them, read by the next ones, stale when a conversation with messages on them changes area,
and read with the visibility rule put on the area. Over the hand-built history of
tests/analytics/test_summary.py (today is 2026-03-10 in Buenos Aires; 03-08 and 03-09 are
complete)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.analytics.test_summary import _buenos_aires_today, at, conversation, desk  # noqa: F401
from ventanilla.accounts.models import Role
from ventanilla.analytics import selectors
from ventanilla.conversations.models import Conversation, ReportDay, ReportDayCount
from ventanilla.conversations.services import conversation_queue
from ventanilla.conversations.visibility import Viewer, visible_areas_filter, visible_filter
from ventanilla.core import clock


def _per_day(user) -> list[dict]:
    return selectors.summary(user=user, days=3)["per_day"]


def _stored() -> list[tuple]:
    return sorted(ReportDay.objects.values_list("start", "end", "stale"))


def _counted_afresh(user) -> list[dict]:
    ReportDay.objects.all().delete()
    return _per_day(user)


def test_the_first_report_stores_the_complete_days_and_the_next_ones_read_them(
    admin, desk, sandbox_line
):
    first = _per_day(admin)
    assert _stored() == [(at(8, 0), at(9, 0), False), (at(9, 0), at(10, 0), False)]
    # a conversation written straight into a stored day (nothing in the desk writes the past)
    conversation(sandbox_line, status="closed", created=at(9, 12), closed=at(9, 13),
                 messages=[("in", "contact", at(9, 12))])  # fmt: skip
    conversation(sandbox_line, status="bot", created=at(10, 11, 45),
                 messages=[("in", "contact", at(10, 11, 45))])  # fmt: skip

    second = _per_day(admin)

    # the stored days are read, not counted again; closed per day and today are counted
    assert second[0] == first[0]
    assert second[1] == first[1] | {"closed": first[1]["closed"] + 1}
    assert second[2] == first[2] | {
        "opened": first[2]["opened"] + 1,
        "messages_in": first[2]["messages_in"] + 1,
    }


def _statements(captured) -> list[str]:
    """The statements run, without the savepoints of an atomic block inside the test's own."""
    sqls = [query["sql"] for query in captured.captured_queries]
    return [sql for sql in sqls if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_storing_the_days_costs_a_fixed_number_of_statements_once(admin, desk):
    Viewer.of(admin)  # the viewer's areas, read once per request
    with CaptureQueriesContext(connection) as first:
        _per_day(admin)
    with CaptureQueriesContext(connection) as then:
        _per_day(admin)

    # the day rows upserted and read back, the counts of the desk by area, their rows inserted,
    # the per-day statement again
    assert len(_statements(first)) == len(_statements(then)) + 5
    # then only the per-day statement reads them
    assert len([sql for sql in _statements(then) if "reportday" in sql.lower()]) == 1


def test_a_transfer_makes_the_conversations_days_stale_and_they_count_by_its_new_area(
    make_user, desk
):
    ventas_lead = make_user(Role.SUPERVISOR, areas=[desk["ventas"]])
    soporte_lead = make_user(Role.SUPERVISOR, areas=[desk["soporte"]])
    before = {"ventas": _per_day(ventas_lead), "soporte": _per_day(soporte_lead)}
    # c1: Ventas, opened 03-08 23:00, messages on 03-08 and 03-09
    c1 = Conversation.objects.get(created_at=at(8, 23))

    conversation_queue(conversation=c1, area=desk["soporte"])

    assert _stored() == [(at(8, 0), at(9, 0), True), (at(9, 0), at(10, 0), True)]
    after = {"ventas": _per_day(ventas_lead), "soporte": _per_day(soporte_lead)}
    assert not ReportDay.objects.filter(stale=True).exists()
    moved = [{"opened": 1, "messages_in": 1, "messages_out": 2},
             {"opened": 0, "messages_in": 1, "messages_out": 0}]  # fmt: skip
    for day, figures in enumerate(moved):
        for key, n in figures.items():
            assert after["ventas"][day][key] == before["ventas"][day][key] - n
            assert after["soporte"][day][key] == before["soporte"][day][key] + n
    assert after["ventas"] == _counted_afresh(ventas_lead)
    assert after["soporte"] == _counted_afresh(soporte_lead)


def test_routing_a_conversation_opened_today_touches_no_stored_day(admin, desk):
    _per_day(admin)
    today = Conversation.objects.get(created_at=at(10, 11, 30))  # queued in Soporte

    with CaptureQueriesContext(connection) as routed:
        conversation_queue(conversation=today, area=desk["ventas"])

    assert not any("reportday" in query["sql"].lower() for query in routed.captured_queries)
    assert not ReportDay.objects.filter(stale=True).exists()


def test_a_day_is_stored_only_minutes_after_it_ended(monkeypatch, admin, desk):
    monkeypatch.setattr(clock, "now", lambda: at(10, 0, 3))

    selectors.summary(user=admin, days=3)

    assert _stored() == [(at(8, 0), at(9, 0), False)]  # 03-09 ended 3 minutes ago


def test_an_area_without_anything_on_a_day_stores_no_row(admin, desk):
    _per_day(admin)

    # 03-08: Ventas (c1) and without area (c5, c8's bot message); Soporte had nothing
    assert sorted(
        ReportDayCount.objects.filter(day__start=at(8, 0)).values_list(
            "area__name", "opened", "messages_in", "messages_out"
        ),
        key=str,
    ) == [("Ventas", 1, 1, 2), (None, 1, 1, 2)]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_the_rule_put_on_the_area_sees_what_the_rule_sees(make_user, desk, role):
    viewer = Viewer.of(make_user(role, areas=[desk["ventas"]]))

    by_rule = Conversation.objects.filter(visible_filter(viewer))
    by_area = Conversation.objects.filter(visible_areas_filter(viewer))

    assert set(by_area.values_list("pk", flat=True)) == set(by_rule.values_list("pk", flat=True))


def test_someone_whose_rule_is_not_by_area_is_counted_from_the_conversations(make_user, desk):
    agent = make_user(Role.OPERATOR, areas=[desk["ventas"]])

    assert visible_areas_filter(Viewer.of(agent)) is None
    selectors.summary(user=agent, days=3)
    assert _stored() == []
