"""GET /api/analytics/summary over a hand-built history in Buenos Aires time (UTC-3).

Today is 2026-03-10 (local); days=3 covers 03-08, 03-09 and 03-10 local, that is
[03-08 03:00 UTC, 03-11 03:00 UTC). Several rows sit near midnight so UTC days would differ.

    conv  area     agent  created (local)  queued  assigned  1st agent  closed (local)     status
    c1    Ventas   ana    03-08 23:00      23:05   23:10     23:12      03-09 00:30        closed
    c2    Ventas   ana    03-09 10:00      10:00   10:01     10:06      03-09 23:00        closed
    c3    Ventas   ana    03-10 08:00      08:00   08:20     08:21      -                  active
    c4    Soporte  beto   03-10 00:30      00:30   00:40     01:00      03-10 02:30        closed
    c5    -        -      03-08 01:00      -       -         -          03-08 01:10        closed
    c6    -        -      03-10 11:00      -       -         -          -                  bot
    c7    Soporte  -      03-10 11:30      11:31   -         -          -                  queued
    c8    -        -      03-07 23:59      -       -         -          03-08 00:00:30     closed
    c9    Ventas   ana    03-07 21:00      -       21:10     21:15      03-07 22:00        closed
"""

import itertools
import zoneinfo
from datetime import datetime

import pytest

from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock

BA = zoneinfo.ZoneInfo("America/Argentina/Buenos_Aires")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=BA)
_phones = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=BA)


@pytest.fixture(autouse=True)
def _buenos_aires_today(settings, monkeypatch):
    settings.TIME_ZONE = "America/Argentina/Buenos_Aires"
    monkeypatch.setattr(clock, "now", lambda: NOW)


def conversation(line, *, status, created, area=None, agent=None, queued=None, assigned=None,
                 closed=None, messages=(), **fields):  # fmt: skip
    """A conversation written directly, with `messages` as (direction, sender_type, local time)
    and any other column in `fields`; its first reply since the assignment as the agent's
    messages would have stored it."""
    contact = Contact.objects.create(name="Cliente", phone=f"+5493515{next(_phones):06d}")
    times = [created, *(when for _, _, when in messages)]
    replies = [when for _, sender, when in messages if sender == "agent" and assigned is not None]
    fields.setdefault(
        "first_reply_since_assigned_at", min((w for w in replies if w >= assigned), default=None)
    )
    row = Conversation.objects.create(
        line=line,
        contact=contact,
        status=status,
        area=area,
        assigned_to=agent,
        bot_active=agent is None,
        created_at=created,
        queued_at=queued,
        assigned_at=assigned,
        closed_at=closed,
        last_activity_at=max(times),
        **fields,
    )
    for direction, sender_type, when in messages:
        Message.objects.create(
            conversation=row,
            line=line,
            direction=direction,
            sender_type=sender_type,
            sender_user=agent if sender_type == "agent" else None,
            text="…",
            status="received" if direction == "in" else "sent",
            created_at=when,
        )
    return row


@pytest.fixture
def desk(sandbox_line, make_area, make_user):
    ventas = make_area("Ventas")
    soporte = make_area("Soporte")
    ana = make_user(Role.OPERATOR, username="ana", name="Ana", areas=[ventas])
    beto = make_user(Role.SUPPORT, username="beto", name="Beto", areas=[soporte])
    line = sandbox_line
    conversation(
        line, status="closed", area=ventas, agent=ana, created=at(8, 23), queued=at(8, 23, 5),
        assigned=at(8, 23, 10), closed=at(9, 0, 30),
        messages=[("in", "contact", at(8, 23)), ("out", "bot", at(8, 23, 1)),
                  ("out", "agent", at(8, 23, 12)), ("in", "contact", at(9, 0, 10))],
    )  # fmt: skip
    conversation(
        line, status="closed", area=ventas, agent=ana, created=at(9, 10), queued=at(9, 10),
        assigned=at(9, 10, 1), closed=at(9, 23),
        messages=[("in", "contact", at(9, 10)), ("out", "bot", at(9, 10, 3)),
                  ("out", "agent", at(9, 10, 6))],
    )  # fmt: skip
    conversation(
        line, status="active", area=ventas, agent=ana, created=at(10, 8), queued=at(10, 8),
        assigned=at(10, 8, 20),
        messages=[("in", "contact", at(10, 8)), ("out", "agent", at(10, 8, 21))],
    )  # fmt: skip
    conversation(
        line, status="closed", area=soporte, agent=beto, created=at(10, 0, 30),
        queued=at(10, 0, 30), assigned=at(10, 0, 40), closed=at(10, 2, 30),
        messages=[("in", "contact", at(10, 0, 30)), ("out", "agent", at(10, 1))],
    )  # fmt: skip
    conversation(
        line, status="closed", created=at(8, 1), closed=at(8, 1, 10),
        messages=[("in", "contact", at(8, 1)), ("out", "bot", at(8, 1, 5))],
    )  # fmt: skip
    conversation(line, status="bot", created=at(10, 11), messages=[("in", "contact", at(10, 11))])
    conversation(
        line, status="queued", area=soporte, created=at(10, 11, 30), queued=at(10, 11, 31),
        messages=[("in", "contact", at(10, 11, 30))],
    )  # fmt: skip
    conversation(
        line, status="closed", created=at(7, 23, 59), closed=at(8, 0, 0, 30),
        messages=[("in", "contact", at(7, 23, 59)), ("out", "bot", at(8, 0, 0, 10))],
    )  # fmt: skip
    conversation(
        line, status="closed", area=ventas, agent=ana, created=at(7, 21), assigned=at(7, 21, 10),
        closed=at(7, 22),
        messages=[("in", "contact", at(7, 21)), ("out", "agent", at(7, 21, 15))],
    )  # fmt: skip
    return {"ventas": ventas, "soporte": soporte, "ana": ana, "beto": beto}


def figures(stats_count, median, p90):
    return {"count": stats_count, "median": median, "p90": p90}


def test_admin_sees_the_whole_desk_in_local_days(api, admin, desk):
    # given the history above; when the admin asks for three days
    response = api(admin).get("/api/analytics/summary?days=3")

    # then every figure is the hand-computed one
    assert response.status_code == 200
    body = response.json()
    ventas, soporte = desk["ventas"].pk, desk["soporte"].pk
    ana, beto = desk["ana"].pk, desk["beto"].pk
    assert body["days"] == 3
    assert body["time_zone"] == "America/Argentina/Buenos_Aires"
    assert (body["from"], body["to"]) == ("2026-03-08", "2026-03-10")
    assert body["now"] == {
        "bot": 1,
        "queued": 1,
        "active": 1,
        "closed_today": 1,
        "by_area": [
            {"area_id": None, "name": "Sin área", "bot": 1, "queued": 0, "active": 0,
             "closed_today": 0},
            {"area_id": soporte, "name": "Soporte", "bot": 0, "queued": 1, "active": 0,
             "closed_today": 1},
            {"area_id": ventas, "name": "Ventas", "bot": 0, "queued": 0, "active": 1,
             "closed_today": 0},
        ],
    }  # fmt: skip
    assert body["per_day"] == [
        {"date": "2026-03-08", "opened": 2, "closed": 2, "messages_in": 2, "messages_out": 4},
        {"date": "2026-03-09", "opened": 1, "closed": 2, "messages_in": 2, "messages_out": 2},
        {"date": "2026-03-10", "opened": 4, "closed": 1, "messages_in": 4, "messages_out": 2},
    ]
    # first response: c1 120 s, c2 300 s, c3 60 s, c4 1200 s
    assert body["first_response"] == {
        "overall": figures(4, 210.0, 930.0),
        "by_area": [
            {"area_id": soporte, "name": "Soporte"} | figures(1, 1200.0, 1200.0),
            {"area_id": ventas, "name": "Ventas"} | figures(3, 120.0, 264.0),
        ],
        "by_agent": [
            {"user_id": ana, "name": "Ana"} | figures(3, 120.0, 264.0),
            {"user_id": beto, "name": "Beto"} | figures(1, 1200.0, 1200.0),
        ],
    }
    # resolution: c1 5400 s, c2 46800 s, c4 7200 s, c5 600 s, c8 90 s (c8 opened before the range)
    assert body["resolution"] == {
        "overall": figures(5, 5400.0, 30960.0),
        "by_area": [
            {"area_id": None, "name": "Sin área"} | figures(2, 345.0, 549.0),
            {"area_id": soporte, "name": "Soporte"} | figures(1, 7200.0, 7200.0),
            {"area_id": ventas, "name": "Ventas"} | figures(2, 26100.0, 42660.0),
        ],
        "by_agent": [
            {"user_id": ana, "name": "Ana"} | figures(2, 26100.0, 42660.0),
            {"user_id": beto, "name": "Beto"} | figures(1, 7200.0, 7200.0),
        ],
    }
    assert body["bot_only"] == {"closed": 5, "by_bot": 2, "share": 0.4}
    # queue wait: c1 300 s, c2 60 s, c3 1200 s, c4 600 s
    assert body["queue_wait"] == figures(4, 450.0, 1020.0)


def test_a_supervisor_counts_only_their_areas_and_the_bot(api, make_user, desk):
    # given a supervisor of Ventas only
    supervisor = make_user(Role.SUPERVISOR, areas=[desk["ventas"]])

    # when they ask for the same three days
    body = api(supervisor).get("/api/analytics/summary?days=3").json()

    # then nothing of Soporte (c4, c7) is counted
    ventas, ana = desk["ventas"].pk, desk["ana"].pk
    assert body["now"] == {
        "bot": 1,
        "queued": 0,
        "active": 1,
        "closed_today": 0,
        "by_area": [
            {"area_id": None, "name": "Sin área", "bot": 1, "queued": 0, "active": 0,
             "closed_today": 0},
            {"area_id": ventas, "name": "Ventas", "bot": 0, "queued": 0, "active": 1,
             "closed_today": 0},
        ],
    }  # fmt: skip
    assert body["per_day"] == [
        {"date": "2026-03-08", "opened": 2, "closed": 2, "messages_in": 2, "messages_out": 4},
        {"date": "2026-03-09", "opened": 1, "closed": 2, "messages_in": 2, "messages_out": 2},
        {"date": "2026-03-10", "opened": 2, "closed": 0, "messages_in": 2, "messages_out": 1},
    ]
    assert body["first_response"] == {
        "overall": figures(3, 120.0, 264.0),
        "by_area": [{"area_id": ventas, "name": "Ventas"} | figures(3, 120.0, 264.0)],
        "by_agent": [{"user_id": ana, "name": "Ana"} | figures(3, 120.0, 264.0)],
    }
    assert body["resolution"]["overall"] == figures(4, 3000.0, 34380.0)
    assert [row["name"] for row in body["resolution"]["by_area"]] == ["Sin área", "Ventas"]
    assert body["resolution"]["by_agent"] == [
        {"user_id": ana, "name": "Ana"} | figures(2, 26100.0, 42660.0)
    ]
    assert body["bot_only"] == {"closed": 4, "by_bot": 2, "share": 0.5}
    assert body["queue_wait"] == figures(3, 300.0, 1020.0)


def test_one_day_is_today_only(api, admin, desk):
    body = api(admin).get("/api/analytics/summary?days=1").json()

    assert body["per_day"] == [
        {"date": "2026-03-10", "opened": 4, "closed": 1, "messages_in": 4, "messages_out": 2},
    ]
    assert body["resolution"]["overall"] == figures(1, 7200.0, 7200.0)
    assert body["bot_only"] == {"closed": 1, "by_bot": 0, "share": 0.0}


def test_an_empty_desk_has_every_day_with_zeros(api, admin, db):
    body = api(admin).get("/api/analytics/summary").json()

    assert body["days"] == 7
    assert [day["date"] for day in body["per_day"]] == [f"2026-03-{d:02d}" for d in range(4, 11)]
    assert {(d["opened"], d["closed"], d["messages_in"], d["messages_out"]) for d in
            body["per_day"]} == {(0, 0, 0, 0)}  # fmt: skip
    assert body["now"] == {"bot": 0, "queued": 0, "active": 0, "closed_today": 0, "by_area": []}
    assert body["first_response"] == {"overall": figures(0, None, None), "by_area": [],
                                      "by_agent": []}  # fmt: skip
    assert body["bot_only"] == {"closed": 0, "by_bot": 0, "share": None}
    assert body["queue_wait"] == figures(0, None, None)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPPORT, Role.SALES])
def test_agents_may_not_see_analytics(api, make_user, role):
    response = api(make_user(role)).get("/api/analytics/summary")

    assert response.status_code == 403
    assert response.json()["detail"] == "Tu rol no puede hacer esto."


def test_anonymous_is_asked_to_sign_in(api, db):
    assert api().get("/api/analytics/summary").status_code == 401


@pytest.mark.parametrize("days", ["0", "91", "x", "-1", "1.5"])
def test_days_out_of_range_is_422(api, admin, days):
    response = api(admin).get(f"/api/analytics/summary?days={days}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["days"]


@pytest.mark.parametrize("days", ["1", "90"])
def test_days_at_the_edges_is_accepted(api, admin, days):
    body = api(admin).get(f"/api/analytics/summary?days={days}").json()

    assert len(body["per_day"]) == int(days)


def _history(line, area, agent, count):
    for index in range(count):
        closed = index % 2 == 0
        conversation(
            line, status="closed" if closed else "active", area=area, agent=agent,
            created=at(9, 10), queued=at(9, 10), assigned=at(9, 10, 5),
            closed=at(9, 11) if closed else None,
            messages=[("in", "contact", at(9, 10)), ("out", "agent", at(9, 10, 6))],
        )  # fmt: skip


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_the_summary_takes_the_same_queries_for_5_and_50_conversations(
    api, make_user, make_area, sandbox_line, django_assert_max_num_queries, role
):
    area = make_area("Ventas")
    agent = make_user(Role.OPERATOR, areas=[area])
    viewer = api(make_user(role, areas=[area]))
    _history(sandbox_line, area, agent, 5)
    # the first report stores the complete days' counts (tests/analytics/test_rollups.py)
    assert viewer.get("/api/analytics/summary?days=30").status_code == 200
    with django_assert_max_num_queries(20) as five:
        assert viewer.get("/api/analytics/summary?days=30").status_code == 200

    # session, user, then the 7 of the summary (docs/analytics.md)
    assert len(five.captured_queries) == 9
    _history(sandbox_line, area, agent, 45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        body = viewer.get("/api/analytics/summary?days=30").json()
    assert body["first_response"]["overall"] == figures(50, 60.0, 60.0)
    assert body["resolution"]["overall"] == figures(
        26, 3600.0, 3600.0
    )  # 3 of the first 5, 23 of the next 45
