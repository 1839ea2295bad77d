"""The Tablero: line cards and their buttons by role, the figures, the bot's latest replies."""

import re

import pytest
from django.test import Client

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Direction, Message, SenderType
from ventanilla.core import clock
from ventanilla.providers.models import Line, LineState


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def _count(html: str, key: str) -> int:
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, key
    return int(match.group(1))


def _bot_says(conversation, text):
    return Message.objects.create(
        conversation=conversation,
        line=conversation.line,
        direction=Direction.OUT,
        sender_type=SenderType.BOT,
        text=text,
        status="sent",
        created_at=clock.now(),
    )


def test_anonymous_is_sent_to_login(db):
    # given nobody signed in
    # when they open the dashboard
    response = Client().get("/dashboard/")
    # then they go to the login page
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/dashboard/"


def test_admin_sees_every_count_and_area(admin, make_area, make_user, make_conversation):
    # given two bot, one queued, one active and one closed-today conversation
    support = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[support])
    make_conversation("bot")
    make_conversation("bot")
    make_conversation("queued", area=support)
    make_conversation("active", area=support, assigned_to=agent)
    make_conversation("closed", area=support, assigned_to=agent)
    # when the admin opens the dashboard
    html = _page(admin)
    # then the counts are exact
    assert _count(html, "bot") == 2
    assert _count(html, "queued") == 1
    assert _count(html, "active") == 1
    assert _count(html, "closed_today") == 1
    # and the areas table has one row per area with something to count
    assert re.findall(r'<tr data-area="([^"]+)">', html) == ["none", str(support.pk)]
    assert "Sin área" in html
    assert "Soporte" in html


def test_supervisor_counts_only_their_areas(make_area, make_user, make_conversation):
    # given a supervisor of Soporte and queued conversations in Soporte and Ventas
    support, sales = make_area("Soporte"), make_area("Ventas")
    supervisor = make_user(Role.SUPERVISOR, areas=[support])
    make_conversation("queued", area=support)
    make_conversation("queued", area=sales)
    make_conversation("queued", area=sales)
    make_conversation("bot")
    # when the supervisor opens the dashboard
    html = _page(supervisor)
    # then only Soporte and the bot conversations count
    assert _count(html, "queued") == 1
    assert _count(html, "bot") == 1
    assert "Ventas" not in html


def test_agent_sees_only_their_own_count(make_area, make_user, make_conversation):
    # given an agent with one active conversation and a queued one in their area
    support = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[support])
    make_conversation("active", area=support, assigned_to=agent)
    make_conversation("queued", area=support)
    # when they open the dashboard
    html = _page(agent)
    # then they see their open assignments and no analytics
    assert _count(html, "mine") == 1
    assert 'data-count="queued"' not in html
    assert '<svg class="chart__svg"' not in html
    assert "Por área" not in html
    # and the line card without buttons
    assert 'class="panel line-card line-card--disconnected"' in html
    assert "Iniciar" not in html
    assert "Pausar bot" not in html


def test_chart_has_one_group_per_day(admin, make_conversation):
    # given one conversation today
    make_conversation("bot")
    # when the admin opens the dashboard
    html = _page(admin)
    # then two charts of seven days are drawn
    charts = re.findall(r'<svg class="chart__svg".*?</svg>', html, re.S)
    assert len(charts) == 2
    assert [chart.count('<g class="chart__day"') for chart in charts] == [7, 7]
    # and today's opened bar holds the one conversation
    assert "Abiertas: 1</title>" in charts[0]


def test_line_card_shows_state_and_qr(admin, sandbox_line):
    # given a line waiting for a scan
    Line.objects.filter(pk=sandbox_line.pk).update(
        state=LineState.QR, last_qr="data:image/png;base64,QUJD", phone="+5493515550000"
    )
    # when the admin opens the dashboard
    html = _page(admin)
    # then the card shows the state, phone and QR
    assert f'data-line-id="{sandbox_line.pk}" data-state="qr"' in html
    assert ">Esperando QR</span>" in html
    assert "+54 9 351 555-0000" in html  # as people write it
    assert 'src="data:image/png;base64,QUJD"' in html
    assert ">Detener</button>" in html


@pytest.mark.parametrize(
    ("role", "start", "pause"),
    [(Role.ADMIN, 302, 302), (Role.SUPERVISOR, 403, 302), (Role.SUPPORT, 403, 403)],
)
def test_buttons_by_role(make_user, sandbox_line, role, start, pause):
    # given a person of some role
    client = Client()
    client.force_login(make_user(role))
    base = f"/dashboard/lines/{sandbox_line.pk}"
    # when they start, pause and stop the line
    started = client.post(f"{base}/start/")
    paused = client.post(f"{base}/pause/", {"paused": "1"})
    stopped = client.post(f"{base}/stop/")
    # then only the allowed ones act
    assert started.status_code == start
    assert paused.status_code == pause
    assert stopped.status_code == start
    line = Line.objects.get(pk=sandbox_line.pk)
    assert line.paused is (pause == 302)
    assert line.state == LineState.DISCONNECTED


def test_admin_start_connects_the_sandbox_line(admin, sandbox_line):
    # given an admin
    client = Client()
    client.force_login(admin)
    # when they press Iniciar
    response = client.post(f"/dashboard/lines/{sandbox_line.pk}/start/")
    # then the sandbox line is connected and the card says so
    assert response.status_code == 302
    assert Line.objects.get(pk=sandbox_line.pk).state == LineState.CONNECTED
    assert ">Conectada</span>" in _page(admin)


def test_pause_toggles_and_htmx_gets_the_card(make_user, sandbox_line):
    # given a supervisor
    client = Client()
    client.force_login(make_user(Role.SUPERVISOR))
    url = f"/dashboard/lines/{sandbox_line.pk}/pause/"
    # when they pause through htmx, then post without a value
    first = client.post(url, {"paused": "1"}, HTTP_HX_REQUEST="true")
    after_first = Line.objects.get(pk=sandbox_line.pk).paused
    client.post(url)
    # then the first pauses and answers the card, the second toggles back
    assert after_first is True
    assert first.status_code == 200
    assert "Reanudar bot" in first.content.decode()
    assert Line.objects.get(pk=sandbox_line.pk).paused is False


def test_unknown_line_is_404(admin, db):
    client = Client()
    client.force_login(admin)
    assert client.post("/dashboard/lines/999/start/").status_code == 404
    assert client.get("/dashboard/lines/999/").status_code == 404


def test_bot_activity_lists_visible_replies(make_area, make_user, make_conversation):
    # given bot replies in a Soporte conversation and in a Ventas one
    support, sales = make_area("Soporte"), make_area("Ventas")
    supervisor = make_user(Role.SUPERVISOR, areas=[support])
    mine = make_conversation("queued", area=support, name="Ana")
    other = make_conversation("queued", area=sales, name="Beto")
    _bot_says(mine, "Hola Ana, te paso con Soporte")
    _bot_says(other, "Hola Beto, te paso con Ventas")
    # when the supervisor opens the dashboard
    html = _page(supervisor)
    # then only the visible reply is listed, with the contact's name
    assert "Hola Ana, te paso con Soporte" in html
    assert ">Ana</a>" in html
    assert "Hola Beto" not in html


@pytest.mark.parametrize("volume", [5, 30])
def test_query_count_is_bounded(
    admin, make_area, make_conversation, django_assert_max_num_queries, volume
):
    # given some volume of conversations with bot replies
    area = make_area("Soporte")
    for index in range(volume):
        conversation = make_conversation("queued" if index % 2 else "bot", area=area)
        _bot_says(conversation, f"respuesta {index}")
    client = Client()
    client.force_login(admin)
    # the first report stores the complete days' counts (tests/analytics/test_rollups.py)
    assert client.get("/dashboard/").status_code == 200
    # when the admin opens the dashboard
    # then the page takes the same bounded number of queries
    # (the reports' queries: docs/analytics.md; flow exits add one, two when there are some;
    # the response-time targets three, satisfaction three: per agent, per area, overall)
    with django_assert_max_num_queries(15):
        response = client.get("/dashboard/")
    assert response.status_code == 200
