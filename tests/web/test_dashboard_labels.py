"""The Tablero's "Por etiqueta" table: per label, the conversations the viewer may see that were
opened in the period and those open now, with the label's colour chip and its CSV."""

import csv
import io
import re
from datetime import datetime

import pytest
from django.test import Client

from tests.analytics.test_summary import BA, _buenos_aires_today, at, conversation  # noqa: F401
from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Label
from ventanilla.core.text import fold

CUSTOM = "period=custom&from=2026-03-08&to=2026-03-10"


def _label(name: str, color: str) -> Label:
    return Label.objects.create(name=name, name_key=fold(name), color=color, created_at=at(1, 9))


@pytest.fixture
def labelled(sandbox_line, make_area):
    """Ventas and Soporte; "Urgente" on two Ventas conversations of the period (one open) and
    one of February (open), on one Soporte conversation of the period; "Baja" on one closed
    Soporte conversation of the period; "VIP" on nothing."""
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    urgente, baja, vip = _label("Urgente", "red"), _label("Baja", "purple"), _label("VIP", "yellow")

    def tagged(area, status, created, *labels):
        row = conversation(sandbox_line, status=status, area=area, created=created)
        row.labels.add(*labels)

    tagged(ventas, "closed", at(8, 10), urgente)
    tagged(ventas, "queued", at(10, 9), urgente)
    tagged(ventas, "queued", datetime(2026, 2, 20, 9, tzinfo=BA), urgente)
    tagged(soporte, "active", at(9, 15), urgente)
    tagged(soporte, "closed", at(9, 16), baja)
    tagged(ventas, "closed", at(7, 23, 59), baja)  # the day before the period
    return {"ventas": ventas, "soporte": soporte, "urgente": urgente, "baja": baja, "vip": vip}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _table(html: str) -> list[tuple[str, str, str, str, str]]:
    """(label id, colour, name, open now, opened in the period) of each row, in order."""
    section = html[html.index('data-table="labels"') :]
    return re.findall(
        r'<tr data-label="(\d+)">\s*<th scope="row"><span class="tag tag--label '
        r'tag--label-(\w+)">([^<]+)</span></th>\s*<td class="num">(\d+)</td>.*?'
        r'<span class="hbar__n">(\d+)</span>',
        section,
        re.S,
    )


def test_the_admin_sees_every_label_with_its_chip_and_counts(admin, labelled):
    html = _client(admin).get(f"/dashboard/?{CUSTOM}").content.decode()

    assert "Por etiqueta" in html
    assert _table(html) == [
        (str(labelled["baja"].pk), "purple", "Baja", "0", "1"),
        (str(labelled["urgente"].pk), "red", "Urgente", "3", "3"),
        (str(labelled["vip"].pk), "yellow", "VIP", "0", "0"),
    ]
    assert 'href="/dashboard/export/labels.csv?period=custom&amp;from=2026-03-08' in html


def test_a_supervisor_counts_only_the_conversations_they_may_see(make_user, labelled):
    supervisor = make_user(Role.SUPERVISOR, areas=[labelled["ventas"]])

    html = _client(supervisor).get(f"/dashboard/?{CUSTOM}").content.decode()

    assert _table(html) == [
        (str(labelled["baja"].pk), "purple", "Baja", "0", "0"),
        (str(labelled["urgente"].pk), "red", "Urgente", "2", "2"),
        (str(labelled["vip"].pk), "yellow", "VIP", "0", "0"),
    ]


def test_the_labels_csv_has_the_tables_rows(admin, labelled):
    response = _client(admin).get(f"/dashboard/export/labels.csv?{CUSTOM}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="labels-2026-03-08-2026-03-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["label_id", "name", "color", "opened", "open"],
        [str(labelled["baja"].pk), "Baja", "purple", "1", "0"],
        [str(labelled["urgente"].pk), "Urgente", "red", "3", "3"],
        [str(labelled["vip"].pk), "VIP", "yellow", "0", "0"],
    ]


def test_without_labels_the_table_says_where_to_make_them(admin, sandbox_line):
    html = _client(admin).get(f"/dashboard/?{CUSTOM}").content.decode()

    assert 'data-table="labels"' not in html
    assert "No hay etiquetas todavía" in html


def test_the_api_report_carries_the_labels(admin, api, labelled):
    report = api(admin).get(f"/api/analytics/report?{CUSTOM}").json()

    assert [(row["name"], row["opened"], row["open"]) for row in report["labels"]] == [
        ("Baja", 1, 0),
        ("Urgente", 3, 3),
        ("VIP", 0, 0),
    ]
