"""`core.db.InIds`: the rows of `pk__in`, on PostgreSQL by one array parameter whatever the
number of ids (docs/adr/0042-message-search-fourth-round.md)."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from ventanilla.accounts import services as accounts
from ventanilla.accounts.models import Area
from ventanilla.core.db import InIds
from ventanilla.core.fields import MAX_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas() -> list[int]:
    return [accounts.area_create(name=f"Área {n}").pk for n in range(5)]


@pytest.mark.parametrize("pick", [[0], [0, 2, 4], [4, 4, 1]])
def test_the_same_rows_as_pk_in(areas, pick):
    ids = [areas[n] for n in pick] + [MAX_ID]

    found = Area.objects.filter(InIds(F("pk"), ids)).order_by("pk")

    assert list(found) == list(Area.objects.filter(pk__in=ids).order_by("pk"))


def test_no_ids_runs_no_statement(areas, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Area.objects.filter(InIds(F("pk"), []))) == []


def test_on_postgresql_the_statement_is_the_same_however_many_ids(areas):
    with CaptureQueriesContext(connection) as captured:
        list(Area.objects.filter(InIds(F("pk"), areas[:1])))
        list(Area.objects.filter(InIds(F("pk"), [*areas, *range(10**6, 10**6 + 300)])))

    first, second = (query["sql"] for query in captured.captured_queries)
    if connection.vendor == "postgresql":
        assert "= ANY(" in first
        assert first.split("ANY(")[0] == second.split("ANY(")[0]
    else:
        assert len(second) > len(first)  # one placeholder an id
