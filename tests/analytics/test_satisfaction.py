# ruff: noqa: F811 (the fixtures imported from test_summary are the arguments)
"""Satisfaction figures of the report over test_summary's hand-built desk (Buenos Aires, today
2026-03-10), each survey sent when its conversation closed:

    conv  area     agent  survey sent (local)  rating  comment
    c1    Ventas   ana    03-09 00:30          5       "Excelente"
    c2    Ventas   ana    03-09 23:00          2
    c4    Soporte  beto   03-10 02:30          -       (not answered)
    c9    Ventas   ana    03-07 22:00          1       (before the custom period)

From 03-08 to 03-10: sent 3, answered 2 (share 0.6667), average (5 + 2) / 2 = 3.5; Ana 2 of 2,
3.5; Beto 1, none answered (share 0.0, no average). In the last 30 days c9 counts too: sent 4,
answered 3 (0.75), average 8 / 3 = 2.67.
"""

import pytest

from tests.analytics.test_summary import _buenos_aires_today, at, desk  # noqa: F401
from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Conversation
from ventanilla.surveys.models import Survey

CUSTOM = "/api/analytics/report?period=custom&from=2026-03-08&to=2026-03-10"


def _figures(sent, answered, share, average) -> dict:
    return {"sent": sent, "answered": answered, "share": share, "average": average}


@pytest.fixture
def surveyed(desk):
    c1, c2, _c3, c4, *_rest, c9 = list(Conversation.objects.order_by("pk"))
    for conversation, rating, comment in ((c1, 5, "Excelente"), (c2, 2, ""), (c4, None, ""),
                                          (c9, 1, "")):  # fmt: skip
        Survey.objects.create(
            conversation=conversation,
            area_id=conversation.area_id,
            agent_id=conversation.assigned_to_id,
            status="answered" if rating else "unanswered",
            answer_until=conversation.closed_at,
            rating=rating,
            comment=comment,
            sent_at=conversation.closed_at,
            rated_at=conversation.closed_at if rating else None,
        )
    return desk


def test_the_period_satisfaction_equals_the_hand_computed_figures(api, admin, surveyed):
    body = api(admin).get(CUSTOM).json()

    assert body["satisfaction"] == _figures(3, 2, 0.6667, 3.5)
    by_agent = {row["name"]: row["satisfaction"] for row in body["agents"]}
    assert by_agent == {"Ana": _figures(2, 2, 1.0, 3.5), "Beto": _figures(1, 0, 0.0, None)}
    by_area = {row["name"]: row["satisfaction"] for row in body["areas"]}
    assert by_area == {
        "Sin área": _figures(0, 0, None, None),
        "Soporte": _figures(1, 0, 0.0, None),
        "Ventas": _figures(2, 2, 1.0, 3.5),
    }


def test_thirty_days_count_the_earlier_survey(api, admin, surveyed):
    body = api(admin).get("/api/analytics/report?period=30d").json()

    assert body["satisfaction"] == _figures(4, 3, 0.75, 2.67)
    ana = next(row for row in body["agents"] if row["name"] == "Ana")
    assert ana["satisfaction"] == _figures(3, 3, 1.0, 2.67)


def test_a_supervisor_counts_only_the_surveys_of_their_areas(api, make_user, surveyed):
    supervisor = make_user(Role.SUPERVISOR, areas=[surveyed["soporte"]])

    body = api(supervisor).get(CUSTOM).json()

    assert body["satisfaction"] == _figures(1, 0, 0.0, None)


def test_the_csv_and_the_tablero_show_them(api, admin, admin_client, surveyed):
    query = "period=custom&from=2026-03-08&to=2026-03-10"
    areas = api(admin).get(f"/api/analytics/report/areas.csv?{query}").content.decode()

    header, *rows = areas.splitlines()
    assert header.endswith(
        "satisfaction_sent,satisfaction_answered,satisfaction_share,satisfaction_average"
    )
    assert rows[-1].startswith(f"{surveyed['ventas'].pk},Ventas,")
    assert rows[-1].endswith(",2,2,1.0,3.5")

    html = admin_client.get(f"/dashboard/?{query}").content.decode()
    assert "3.5" in html and "67 %" in html and "(2/3)" in html
