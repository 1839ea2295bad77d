"""Response-time targets met, per area, per agent and over the desk, for a period
(docs/analytics.md#response-time-targets), against values computed by hand. Today is
2026-03-10 12:00 in Buenos Aires; the period is 03-08 to 03-10 (local days).

A target is decided at the earlier of its deadline and what it waits for (the first agent
message, the close): met if that came by the deadline, missed if the deadline passed first.

    conv  area     agent  1st response due / answered     resolution due / closed
    t1    Ventas   ana    03-08 10:30 / 10:20   met       03-08 14:00 / 13:00          met
    t2    Ventas   ana    03-09 09:15 / 09:40   missed    03-09 18:00 / 03-10 09:00    missed
    t3    Ventas   -      03-10 11:00 / -       missed    03-10 15:00 / -              ahead
    t4    Soporte  beto   03-10 12:30 / -       ahead     -
    t5    Soporte  beto   03-09 10:00 / 09:59   met       03-09 12:00 / - (open)       missed
    t6    Ventas   ana    03-07 10:00 / 09:00   before    03-11 09:00 / 03-08 09:00    met
    t8    Ventas   ana    03-08 00:10 / 03-07 23:50 before (answered before the period)
    t9    Ventas   ana    03-08 00:05 / 00:20   missed    (decided at the deadline, 03-08)
    t10   Ventas   ana    no targets (an area without them, or before this feature)

    Ventas   first response 1 met, 3 missed (0.25)    resolution 2 met, 1 missed (0.6667)
    Soporte  first response 1 met, 0 missed (1.0)     resolution 0 met, 1 missed (0.0)
    ana      first response 1 met, 2 missed (0.3333)  resolution 2 met, 1 missed (0.6667)
    beto     first response 1 met, 0 missed (1.0)     resolution 0 met, 1 missed (0.0)
    desk     first response 2 met, 3 missed (0.4)     resolution 2 met, 2 missed (0.5)
"""

import pytest
from django.test import Client

from tests.analytics.test_summary import _buenos_aires_today, at, conversation  # noqa: F401
from ventanilla.accounts.models import Role

CUSTOM = "period=custom&from=2026-03-08&to=2026-03-10"


def _conversation(line, *, area, agent=None, status="active", assigned=None, fr_due=None,
                  responded=None, res_due=None, closed=None):  # fmt: skip
    return conversation(
        line, status="closed" if closed else status, created=at(7, 8), area=area, agent=agent,
        assigned=assigned, closed=closed, first_response_due_at=fr_due,
        first_responded_at=responded, resolution_due_at=res_due,
    )  # fmt: skip


@pytest.fixture
def desk(sandbox_line, make_area, make_user):
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    ana = make_user(Role.OPERATOR, username="ana", name="Ana", areas=[ventas])
    beto = make_user(Role.SUPPORT, username="beto", name="Beto", areas=[soporte])
    line = sandbox_line
    _conversation(line, area=ventas, agent=ana, assigned=at(8, 10, 5), fr_due=at(8, 10, 30),
                  responded=at(8, 10, 20), res_due=at(8, 14), closed=at(8, 13))  # fmt: skip
    _conversation(line, area=ventas, agent=ana, assigned=at(9, 9), fr_due=at(9, 9, 15),
                  responded=at(9, 9, 40), res_due=at(9, 18), closed=at(10, 9))  # fmt: skip
    _conversation(line, area=ventas, status="queued", fr_due=at(10, 11), res_due=at(10, 15))
    _conversation(line, area=soporte, agent=beto, assigned=at(10, 12), fr_due=at(10, 12, 30))
    _conversation(line, area=soporte, agent=beto, assigned=at(9, 9, 50), fr_due=at(9, 10),
                  responded=at(9, 9, 59), res_due=at(9, 12))  # fmt: skip
    _conversation(line, area=ventas, agent=ana, assigned=at(7, 8, 30), fr_due=at(7, 10),
                  responded=at(7, 9), res_due=at(11, 9), closed=at(8, 9))  # fmt: skip
    _conversation(line, area=ventas, agent=ana, assigned=at(7, 23, 40), fr_due=at(8, 0, 10),
                  responded=at(7, 23, 50))  # fmt: skip
    _conversation(line, area=ventas, agent=ana, assigned=at(7, 23, 55), fr_due=at(8, 0, 5),
                  responded=at(8, 0, 20))  # fmt: skip
    _conversation(line, area=ventas, agent=ana, assigned=at(9, 9), responded=at(9, 9, 1),
                  closed=at(9, 10))  # fmt: skip
    return {"ventas": ventas, "soporte": soporte, "ana": ana, "beto": beto}


def targets(fr_met, fr_missed, fr_share, res_met, res_missed, res_share) -> dict:
    return {
        "first_response_target": {"met": fr_met, "missed": fr_missed, "share": fr_share},
        "resolution_target": {"met": res_met, "missed": res_missed, "share": res_share},
    }


def _shares(rows: list[dict], key: str) -> dict:
    return {
        row[key]: {k: row[k] for k in ("first_response_target", "resolution_target")}
        for row in rows
    }


def test_shares_met_equal_the_hand_computed_values(api, admin, desk):
    body = api(admin).get(f"/api/analytics/report?{CUSTOM}").json()

    assert _shares(body["areas"], "name") == {
        "Soporte": targets(1, 0, 1.0, 0, 1, 0.0),
        "Ventas": targets(1, 3, 0.25, 2, 1, 0.6667),
    }
    assert _shares(body["agents"], "name") == {
        "Ana": targets(1, 2, 0.3333, 2, 1, 0.6667),
        "Beto": targets(1, 0, 1.0, 0, 1, 0.0),
    }
    assert body["targets"] == {
        "first_response": {"met": 2, "missed": 3, "share": 0.4},
        "resolution": {"met": 2, "missed": 2, "share": 0.5},
    }


def test_a_supervisor_counts_only_their_areas(api, make_user, desk):
    supervisor = make_user(Role.SUPERVISOR, areas=[desk["soporte"]])

    body = api(supervisor).get(f"/api/analytics/report?{CUSTOM}").json()

    assert _shares(body["areas"], "name") == {"Soporte": targets(1, 0, 1.0, 0, 1, 0.0)}
    assert body["targets"] == {
        "first_response": {"met": 1, "missed": 0, "share": 1.0},
        "resolution": {"met": 0, "missed": 1, "share": 0.0},
    }


def test_today_decides_only_what_fell_due_or_was_met_today(api, admin, desk):
    body = api(admin).get("/api/analytics/report?period=today").json()

    # today: t3's first response missed at 11:00 (t4's is still ahead); t2 closed today, but
    # its resolution was decided yesterday at 18:00
    assert body["targets"] == {
        "first_response": {"met": 0, "missed": 1, "share": 0.0},
        "resolution": {"met": 0, "missed": 0, "share": None},
    }


def test_the_tables_export_and_show_the_shares(api, admin, desk):
    csv = api(admin).get(f"/api/analytics/report/areas.csv?{CUSTOM}").content.decode()
    client = Client()
    client.force_login(admin)
    html = client.get(f"/dashboard/?{CUSTOM}").content.decode()

    header, soporte, ventas = csv.splitlines()
    assert header.endswith(
        "first_response_target_met,first_response_target_missed,first_response_target_share,"
        "resolution_target_met,resolution_target_missed,resolution_target_share,"
        "satisfaction_sent,satisfaction_answered,satisfaction_share,satisfaction_average"
    )
    no_surveys = ",0,0,,"
    assert soporte.endswith(",1,0,1.0,0,1,0.0" + no_surveys)
    assert ventas.endswith(",1,3,0.25,2,1,0.6667" + no_surveys)
    assert '<td class="num">25 % <span class="muted">· 1 de 4</span></td>' in html
    assert '<td class="num">33 % <span class="muted">· 1 de 3</span></td>' in html
    assert '<strong>40 %</strong> <span class="muted">(2 de 5)</span>' in html
