# ruff: noqa: F811 (the fixtures imported from test_summary are the arguments)
"""GET /api/analytics/report and its CSV tables over the hand-built history of test_summary
(Buenos Aires, today 2026-03-10), plus where the bot let each conversation go:

    conv  area     agent  created (local)  flow exit
    c1    Ventas   ana    03-08 23:00      redirect at "Ventas"
    c2    Ventas   ana    03-09 10:00      redirect at "Ventas"
    c4    Soporte  beto   03-10 00:30      redirect at "Soporte"
    c5    -        -      03-08 01:00      end at "Nada más"
    c7    Soporte  -      03-10 11:30      fallback at the menu
    c8    -        -      03-07 23:59      redirect at "Ventas" (before the period)
    c6, c3, c9: no exit (still with the bot; taken by a person; before the period)
"""

import pytest
from django.db import connection

# the history, its clock and time zone (an autouse fixture) are test_summary's
from tests.analytics.test_summary import _buenos_aires_today, desk, figures  # noqa: F401
from ventanilla.accounts.models import Role
from ventanilla.analytics import durations, selectors
from ventanilla.conversations.models import Conversation
from ventanilla.flows.models import Flow, Node

CUSTOM = "/api/analytics/report?period=custom&from=2026-03-08&to=2026-03-10"
# this history has no response-time targets (tests/analytics/test_targets.py has)
NOTHING_DECIDED = {"met": 0, "missed": 0, "share": None}
NO_TARGETS = {"first_response_target": NOTHING_DECIDED, "resolution_target": NOTHING_DECIDED}
UNSURVEYED = {"sent": 0, "answered": 0, "share": None, "average": None}  # tests/analytics/
# test_satisfaction.py surveys this desk


@pytest.fixture
def exits(desk):
    flow = Flow.objects.create(name="Bienvenida")
    menu = Node.objects.create(flow=flow, type="menu", text="¿En qué te ayudamos?")
    soporte = Node.objects.create(
        flow=flow, parent=menu, type="redirect", label="Soporte", area=desk["soporte"]
    )
    ventas = Node.objects.create(
        flow=flow, parent=menu, type="redirect", label="Ventas", area=desk["ventas"]
    )
    end = Node.objects.create(flow=flow, parent=menu, type="end", label="Nada más", close=True)
    by_creation = list(Conversation.objects.order_by("pk"))  # c1 ... c9
    for index, exit_kind, node in (
        (0, "redirect", ventas),
        (1, "redirect", ventas),
        (3, "redirect", soporte),
        (4, "end", end),
        (6, "fallback", menu),
        (7, "redirect", ventas),
    ):
        Conversation.objects.filter(pk=by_creation[index].pk).update(
            bot_flow_id=flow.pk, bot_exit=exit_kind, bot_exit_node_id=node.pk
        )
    return {"flow": flow, "menu": menu, "soporte": soporte, "ventas": ventas, "end": end}


def _exit(flow, node, name, kind, count) -> dict:
    return {
        "flow_id": flow.pk,
        "flow": "Bienvenida",
        "node_id": node.pk,
        "node": name,
        "exit": kind,
        "conversations": count,
    }


def test_the_report_of_a_custom_period_equals_the_hand_computed_figures(api, admin, desk, exits):
    response = api(admin).get(CUSTOM)

    assert response.status_code == 200
    body = response.json()
    ana, beto = desk["ana"].pk, desk["beto"].pk
    ventas, soporte = desk["ventas"].pk, desk["soporte"].pk
    assert (body["period"], body["days"], body["from"], body["to"]) == (
        "custom", 3, "2026-03-08", "2026-03-10",
    )  # fmt: skip
    # the summary's figures, the same as /summary?days=3
    summary = api(admin).get("/api/analytics/summary?days=3").json()
    for key in ("now", "per_day", "first_response", "resolution", "bot_only", "queue_wait"):
        assert body[key] == summary[key], key
    # per agent: assigned in the period c1, c2, c3 (ana) and c4 (beto); first response ana
    # 120/300/60 s, beto 1200 s; resolution ana c1 5400 s and c2 46800 s, beto c4 7200 s
    assert body["agents"] == [
        {"user_id": ana, "name": "Ana", "conversations": 3,
         "first_response": figures(3, 120.0, 264.0), "resolution": figures(2, 26100.0, 42660.0),
         **NO_TARGETS, "satisfaction": UNSURVEYED},
        {"user_id": beto, "name": "Beto", "conversations": 1,
         "first_response": figures(1, 1200.0, 1200.0), "resolution": figures(1, 7200.0, 7200.0),
         **NO_TARGETS, "satisfaction": UNSURVEYED},
    ]  # fmt: skip
    # per area; queue wait Ventas c1 300 s, c2 60 s, c3 1200 s; Soporte c4 600 s
    assert body["areas"] == [
        {"area_id": None, "name": "Sin área", "conversations": 0,
         "first_response": figures(0, None, None), "resolution": figures(2, 345.0, 549.0),
         "queue_wait": figures(0, None, None), **NO_TARGETS, "satisfaction": UNSURVEYED},
        {"area_id": soporte, "name": "Soporte", "conversations": 1,
         "first_response": figures(1, 1200.0, 1200.0), "resolution": figures(1, 7200.0, 7200.0),
         "queue_wait": figures(1, 600.0, 600.0), **NO_TARGETS, "satisfaction": UNSURVEYED},
        {"area_id": ventas, "name": "Ventas", "conversations": 3,
         "first_response": figures(3, 120.0, 264.0), "resolution": figures(2, 26100.0, 42660.0),
         "queue_wait": figures(3, 300.0, 1020.0), **NO_TARGETS, "satisfaction": UNSURVEYED},
    ]  # fmt: skip
    flow = exits["flow"]
    assert body["flow_exits"] == [
        _exit(flow, exits["ventas"], "Ventas → Ventas", "redirect", 2),
        _exit(flow, exits["menu"], "¿En qué te ayudamos?", "fallback", 1),
        _exit(flow, exits["soporte"], "Soporte → Soporte", "redirect", 1),
        _exit(flow, exits["end"], "Nada más", "end", 1),
    ]


def test_a_supervisor_reports_only_their_areas(api, make_user, desk, exits):
    supervisor = make_user(Role.SUPERVISOR, areas=[desk["ventas"]])

    body = api(supervisor).get(CUSTOM).json()

    assert [row["name"] for row in body["agents"]] == ["Ana"]
    assert [row["name"] for row in body["areas"]] == ["Sin área", "Ventas"]
    assert [(row["node"], row["conversations"]) for row in body["flow_exits"]] == [
        ("Ventas → Ventas", 2),
        ("Nada más", 1),
    ]


@pytest.mark.parametrize(
    "query,days,first",
    [("period=today", 1, "2026-03-10"), ("", 7, "2026-03-04"), ("period=30d", 30, "2026-02-09")],
)
def test_the_fixed_periods_end_today(api, admin, desk, query, days, first):
    body = api(admin).get(f"/api/analytics/report?{query}").json()

    assert (body["days"], body["from"], body["to"]) == (days, first, "2026-03-10")
    assert len(body["per_day"]) == days


def test_today_counts_only_today(api, admin, desk):
    body = api(admin).get("/api/analytics/report?period=today").json()

    # assigned today: c3 (ana) and c4 (beto)
    assert [(row["name"], row["conversations"]) for row in body["agents"]] == [
        ("Ana", 1),
        ("Beto", 1),
    ]


@pytest.mark.parametrize(
    "query,field",
    [
        ("period=week", "period"),
        ("period=custom", "from"),
        ("period=custom&from=2026-03-01", "to"),
        ("period=custom&from=2026-3-1&to=2026-03-02", "from"),
        ("period=custom&from=2026-03-05&to=2026-03-04", "to"),
        ("period=custom&from=2026-03-05&to=2026-03-11", "to"),
        ("period=custom&from=2025-12-01&to=2026-03-10", "from"),
    ],
)
def test_a_bad_period_is_422_naming_the_field(api, admin, query, field):
    response = api(admin).get(f"/api/analytics/report?{query}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_agents_may_not_read_reports(api, make_user):
    agent = api(make_user(Role.OPERATOR))

    assert agent.get("/api/analytics/report").status_code == 403
    assert agent.get("/api/analytics/report/agents.csv").status_code == 403


def test_every_table_exports_as_csv(api, admin, desk, exits):
    client = api(admin)
    ana, beto = desk["ana"].pk, desk["beto"].pk
    query = "period=custom&from=2026-03-08&to=2026-03-10"

    response = client.get(f"/api/analytics/report/agents.csv?{query}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="agents-2026-03-08-2026-03-10.csv"' in response["Content-Disposition"]
    assert response.content.decode() == (
        "\ufeffuser_id,name,conversations,first_response_count,first_response_median,"
        "first_response_p90,resolution_count,resolution_median,resolution_p90,"
        "first_response_target_met,first_response_target_missed,first_response_target_share,"
        "resolution_target_met,resolution_target_missed,resolution_target_share,"
        "satisfaction_sent,satisfaction_answered,satisfaction_share,satisfaction_average\r\n"
        f"{ana},Ana,3,3,120.0,264.0,2,26100.0,42660.0,0,0,,0,0,,0,0,,\r\n"
        f"{beto},Beto,1,1,1200.0,1200.0,1,7200.0,7200.0,0,0,,0,0,,0,0,,\r\n"
    )
    lines = {
        table: client.get(f"/api/analytics/report/{table}.csv?{query}").content.decode()
        for table in ("per_day", "areas", "now", "flow_exits")
    }
    assert lines["per_day"].splitlines()[1:] == ["2026-03-08,2,2,2,4", "2026-03-09,1,2,2,2",
                                                 "2026-03-10,4,1,4,2"]  # fmt: skip
    assert lines["areas"].splitlines()[1] == ",Sin área,0,0,,,2,345.0,549.0,0,,,0,0,,0,0,,0,0,,"
    assert lines["now"].splitlines()[0] == "\ufeffarea_id,name,bot,queued,active,closed_today"
    assert lines["flow_exits"].splitlines()[1].endswith(",Ventas → Ventas,redirect,2")
    assert client.get(f"/api/analytics/report/nope.csv?{query}").status_code == 404


def test_a_name_a_spreadsheet_would_run_is_guarded(api, admin, desk):
    desk["ana"].name = "=HYPERLINK(1)"
    desk["ana"].save()

    text = api(admin).get("/api/analytics/report/agents.csv?period=30d").content.decode()

    assert ",'=HYPERLINK(1),4," in text  # c9 counts in 30 days


def test_postgresql_computes_the_same_figures_as_python(desk):
    """PostgreSQL's percentile_cont path against the Python path every database can take, over
    the hand-built history and a period where every group interpolates."""
    if connection.vendor != "postgresql":
        pytest.skip("percentile_cont is PostgreSQL's; elsewhere the Python path is the only one")
    for first in ("2026-03-08", "2026-03-01"):
        rows = durations.duration_rows(
            Conversation.objects.all(), selectors.period_window("custom", first, "2026-03-10")
        )
        in_python, in_database = (
            durations.collect_in_python(*rows),
            durations.collect_in_database(*rows),
        )
        for name in ("first_response", "resolution", "queue_wait"):
            assert getattr(in_database, name) == getattr(in_python, name), name
        assert dict(in_database.assigned["area"]) == dict(in_python.assigned["area"])
        assert dict(in_database.assigned["agent"]) == dict(in_python.assigned["agent"])
        assert (in_database.closed_total, in_database.closed_by_bot) == (
            in_python.closed_total, in_python.closed_by_bot,
        )  # fmt: skip
        assert in_python.first_response["all"]["count"] > 0
