"""Services queue the jobs of the `tasks` module above them by name (no import cycle): every name
they use is a registered job, and queueing one runs that job."""

import pytest
from django.db import transaction

from ventanilla.conversations.publishing import SEND_LOADED, SEND_MESSAGE, SEND_READ_RECEIPT
from ventanilla.core import jobs
from ventanilla.integrations.services import DELIVER
from ventanilla.routing.services import DRAIN_QUEUES


def test_every_job_the_services_queue_by_name_is_registered():
    from ventanilla.conversations import tasks as conversation_tasks
    from ventanilla.integrations import tasks as integration_tasks
    from ventanilla.routing import tasks as routing_tasks

    assert {
        SEND_MESSAGE: conversation_tasks.send_message,
        SEND_LOADED: conversation_tasks.send_loaded,  # in-process senders' work (ADR 0034)
        SEND_READ_RECEIPT: conversation_tasks.send_read_receipt,
        DRAIN_QUEUES: routing_tasks.drain,
        DELIVER: integration_tasks.deliver_sequence,
    } == jobs._NAMED


@pytest.mark.django_db(transaction=True)
def test_a_named_job_runs_once_the_change_commits(monkeypatch):
    calls = []
    monkeypatch.setitem(jobs._NAMED, "test.job", lambda *args: calls.append(args))

    with transaction.atomic():
        jobs.enqueue_named_after_commit("test.job", 7, "x", what="a test job")
        assert calls == []

    assert calls == [(7, "x")]


@pytest.mark.django_db(transaction=True)
def test_an_unknown_job_is_logged_not_raised(caplog):
    with transaction.atomic():
        jobs.enqueue_named_after_commit("test.missing", 1, what="a missing job")

    assert "could not enqueue a missing job" in caplog.text


def test_a_process_that_never_imported_the_job_modules_still_finds_the_job(tmp_path):
    import subprocess
    import sys

    probe = (
        "import django; django.setup();"
        "from ventanilla.core import jobs;"
        "before = 'routing.drain-queues' in jobs._NAMED;"
        "job = jobs._named_job('routing.drain-queues');"
        "from ventanilla.routing.tasks import drain;"
        "print(before, job is drain)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "ventanilla.config.settings", "PATH": "/usr/bin:/bin"}
    env["VENTANILLA_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.split() == ["False", "True"]
