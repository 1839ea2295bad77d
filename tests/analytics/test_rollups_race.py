# ruff: noqa: F811 (the fixtures imported from tests.analytics are the arguments)
"""A report storing the complete days while a transfer changes a conversation's area, each on its
own connection (conversations.daycounts' docstring, docs/adr/0041-reports-under-300-ms.md): the
transfer waits for the report's days and marks them stale after it, so no day keeps counts of
the area the conversation left."""

import threading

import pytest
from django.db import connection

from tests.analytics.test_summary import _buenos_aires_today, at, conversation, desk  # noqa: F401
from tests.databases import needs_concurrent_writers
from ventanilla.accounts.models import Role
from ventanilla.analytics import rollups, selectors
from ventanilla.conversations.models import Conversation, ReportDay
from ventanilla.conversations.services import conversation_queue

pytestmark = [pytest.mark.django_db(transaction=True), needs_concurrent_writers()]


def _on_its_own_connection(work, done: threading.Event, errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except BaseException as error:  # collected for the test's assertions
            errors.append(error)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_transfer_while_a_report_stores_the_days_marks_them_stale_after_it(
    monkeypatch, admin, make_user, desk
):
    counting, transferring = threading.Event(), threading.Event()
    counted = rollups._counts

    def counts_after_the_transfer_began(span):
        counting.set()
        assert transferring.wait(timeout=10)
        return counted(span)

    monkeypatch.setattr(rollups, "_counts", counts_after_the_transfer_began)
    c1 = Conversation.objects.get(created_at=at(8, 23))  # Ventas, messages on 03-08 and 03-09
    reported, transferred, errors = threading.Event(), threading.Event(), []

    report = _on_its_own_connection(lambda: selectors.summary(user=admin, days=3), reported, errors)
    assert counting.wait(timeout=10)  # the report holds its days' rows
    transfer = _on_its_own_connection(
        lambda: conversation_queue(conversation=c1, area=desk["soporte"]), transferred, errors
    )
    # the transfer waits for the report's days: it has not finished a moment later
    assert not transferred.wait(timeout=1)
    transferring.set()
    report.join(timeout=20)
    transfer.join(timeout=20)

    assert errors == []
    assert list(ReportDay.objects.order_by("start").values_list("stale", flat=True)) == [
        True,
        True,
    ]
    ventas_lead = make_user(Role.SUPERVISOR, areas=[desk["ventas"]])
    stored = selectors.summary(user=ventas_lead, days=3)["per_day"]
    ReportDay.objects.all().delete()
    assert stored == selectors.summary(user=ventas_lead, days=3)["per_day"]
