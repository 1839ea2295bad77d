# ruff: noqa: F811 (the fixtures imported from tests.analytics are the arguments)
"""The Tablero's reports: a period picked in the desk's time zone, the per-agent, per-area and
flow-exit tables, their CSV, and a query count that does not grow with the history."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.analytics.test_report import exits  # noqa: F401
from tests.analytics.test_summary import _buenos_aires_today, at, conversation, desk  # noqa: F401
from ventanilla.accounts.models import Role

CUSTOM = "period=custom&from=2026-03-08&to=2026-03-10"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)">', html)


def test_a_custom_period_shows_its_tables(admin, desk, exits):
    html = _client(admin).get(f"/dashboard/?{CUSTOM}").content.decode()

    assert 'value="custom" checked' in html
    assert "America/Argentina/Buenos_Aires" in html
    assert _rows(html, "data-agent") == [str(desk["ana"].pk), str(desk["beto"].pk)]
    agents = html[html.index('data-table="agents"') : html.index('data-table="areas"')]
    # Ana: 3 conversations, first response p50 120 s = 2 min, p90 264 s = 4 min
    assert re.search(r">Ana</th>\s*<td class=\"num\">3</td>\s*<td class=\"num\">2 min</td>"
                     r"\s*<td class=\"num\">4 min</td>", agents)  # fmt: skip
    assert _rows(html, "data-area-times") == [
        "none", str(desk["soporte"].pk), str(desk["ventas"].pk)
    ]  # fmt: skip
    assert _rows(html, "data-exit") == [
        str(exits[key].pk) for key in ("ventas", "menu", "soporte", "end")
    ]
    assert html.count(f'.csv?{CUSTOM.replace("&", "&amp;")}"') == 6
    assert len(re.findall(r'<g class="chart__day"', html)) == 2 * 3


def test_a_bad_period_says_why_and_shows_the_last_7_days(admin, desk):
    html = _client(admin).get("/dashboard/?period=custom&from=2026-03-09&to=2026-03-01").content
    html = html.decode()

    assert "La fecha final es anterior a la inicial." in html
    assert 'value="7d" checked' in html
    assert len(re.findall(r'<g class="chart__day"', html)) == 2 * 7


def test_thirty_days_label_every_third_day(admin, desk):
    html = _client(admin).get("/dashboard/?period=30d").content.decode()

    assert len(re.findall(r'<g class="chart__day"', html)) == 2 * 30
    assert len(re.findall(r'class="chart__label"', html)) == 2 * 10


def test_the_console_csv_is_the_apis(admin, api, desk, exits):
    for table in ("per_day", "agents", "areas", "now", "flow_exits", "labels"):
        console = _client(admin).get(f"/dashboard/export/{table}.csv?{CUSTOM}")
        assert console.status_code == 200
        assert console["Content-Type"] == "text/csv; charset=utf-8"
        same = api(admin).get(f"/api/analytics/report/{table}.csv?{CUSTOM}").content
        assert console.content == same, table


def test_console_csv_refusals(admin, make_user, desk):
    agent = make_user(Role.SUPPORT)

    assert _client(agent).get("/dashboard/export/agents.csv").status_code == 403
    assert _client(admin).get("/dashboard/export/nope.csv").status_code == 404
    bad = _client(admin).get("/dashboard/export/agents.csv?period=custom&from=x")
    assert (bad.status_code, bad.content.decode()) == (400, "Indicá una fecha AAAA-MM-DD.")


def _history(line, area, agent, count):
    for _ in range(count):
        conversation(
            line, status="closed", area=area, agent=agent, created=at(9, 10),
            queued=at(9, 10), assigned=at(9, 10, 5), closed=at(9, 11),
            messages=[("in", "contact", at(9, 10)), ("out", "agent", at(9, 10, 6))],
        )  # fmt: skip


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_the_page_takes_the_same_queries_for_a_small_and_a_larger_history(
    make_user, desk, exits, sandbox_line, django_assert_num_queries, role
):
    viewer = _client(make_user(role, areas=[desk["ventas"], desk["soporte"]]))
    # the first report stores the complete days' counts (tests/analytics/test_rollups.py)
    assert viewer.get(f"/dashboard/?{CUSTOM}").status_code == 200
    with CaptureQueriesContext(connection) as small:
        assert viewer.get(f"/dashboard/?{CUSTOM}").status_code == 200
    # session, user, lines, bot activity, then the report: visibility, now, per day (opened,
    # closed, messages and the stored days in one), assigned rows, closed rows, area names,
    # agent names, flow exits, their nodes, labels, the response-time targets met and
    # satisfaction, each per agent, per area and over the desk
    budget = 19
    assert len(small.captured_queries) <= budget
    _history(sandbox_line, desk["ventas"], desk["ana"], 40)
    _history(sandbox_line, desk["soporte"], desk["beto"], 40)
    with django_assert_num_queries(len(small.captured_queries)):
        html = viewer.get(f"/dashboard/?{CUSTOM}").content.decode()
    assert re.search(r">Ana</th>\s*<td class=\"num\">43</td>", html)
