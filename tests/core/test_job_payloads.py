"""Job payloads are JSON (finding 12): a worker never unpickles what it finds in the queue, so
writing to Redis (or the jobs file) is not running code on the desk."""

import datetime
import json
import pickle

import pytest
from huey.contrib.djhuey import HUEY
from huey.registry import Message as JobMessage
from huey.storage import SqliteStorage
from huey.utils import Error

from ventanilla.conversations import outbound, tasks
from ventanilla.conversations.models import Message
from ventanilla.core import jobs


class Planted:
    """What an attacker who can write to the queue would put there: unpickling it runs code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.mkdir, (str(self.marker),)


@pytest.fixture
def queue(monkeypatch, tmp_path):
    """The desk's job queue, not immediate, kept in a SQLite file as embedded mode has it; no
    sender threads in this process (a management command, a worker past its backlog), so sends
    go through it."""
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(jobs, "senders", jobs.Senders())  # not started, whatever ran before
    monkeypatch.setattr(HUEY, "storage", SqliteStorage("ventanilla-tests", tmp_path / "jobs.db"))
    return HUEY


@pytest.fixture
def reply(queue, make_conversation, admin):
    """A reply waiting to be sent; its job is in the queue once the reply is committed (in the
    tests that commit)."""
    conversation = make_conversation("active", assigned_to=admin)
    return outbound.message_queue_outbound(
        conversation=conversation, sender_type="agent", sender_user=admin, text="Hola"
    )


@pytest.mark.django_db(transaction=True)  # the job runs as a worker runs it, on its connection
def test_finding_12_a_real_job_travels_as_json_and_runs(queue, reply):
    # given the reply's job, enqueued when the reply was committed
    # then what sits in the queue is JSON naming the task and its id, nothing else
    (raw,) = queue.storage.enqueued_items()
    stored = json.loads(raw)
    assert stored["$"] == "message"
    assert stored["v"]["name"] == "ventanilla.conversations.tasks.send_message"
    assert stored["v"]["args"] == {"$": "tuple", "v": [reply.pk]}
    # and a worker takes it and runs it: the reply is sent
    job = queue.dequeue()
    queue.execute(job)
    assert Message.objects.get(pk=reply.pk).status == "sent"
    assert queue.pending_count() == 0


def test_finding_12_a_pickle_placed_in_the_queue_is_refused_and_never_run(queue, tmp_path):
    # given someone who can write to the queue places a pickle there
    marker = tmp_path / "ran"
    queue.storage.enqueue(pickle.dumps(Planted(marker)))
    # when a worker reads the queue
    with pytest.raises(ValueError, match="not a JSON job payload"):
        queue.dequeue()
    # then nothing of it ran, and it is gone from the queue
    assert not marker.exists()
    assert queue.pending_count() == 0


def test_finding_12_a_pickle_placed_in_the_schedule_is_dropped_unrun(queue, tmp_path):
    marker = tmp_path / "ran"
    queue.storage.add_to_schedule(pickle.dumps(Planted(marker)), datetime.datetime(2000, 1, 1))

    assert queue.read_schedule() == []

    assert not marker.exists()
    assert queue.scheduled_count() == 0


def test_finding_12_a_job_whose_arguments_are_not_json_is_refused_on_enqueue(queue, reply):
    # when a job is given a model instance instead of its id
    with pytest.raises(TypeError) as refused:
        tasks.send_message(reply)
    # then it is refused, saying which argument of which job, and nothing is queued
    assert str(refused.value) == (
        "job ventanilla.conversations.tasks.send_message: args[0] is a Message; jobs take ids "
        "and plain values (str, int, float, bool, None, lists, dicts with str keys, datetimes)"
    )
    assert queue.pending_count() == 0


@pytest.mark.django_db(transaction=True)
def test_finding_12_a_scheduled_job_keeps_its_eta_and_runs_when_due(queue, reply):
    # given the reply's job scheduled a minute from now (as a retry is), not the one its commit
    # enqueued
    queue.flush()
    tasks.send_message.schedule((reply.pk,), delay=60)
    job = queue.dequeue()
    eta = job.eta
    # when a worker finds it is not due yet, it goes to the schedule, as JSON
    queue.execute(job)
    (raw,) = queue.storage.scheduled_items()
    assert json.loads(raw)["v"]["eta"] == {"$": "datetime", "v": eta.isoformat()}
    assert queue.read_schedule(eta - datetime.timedelta(seconds=1)) == []
    # then at its time it comes back with the same id and eta, and runs
    (due,) = queue.read_schedule(eta + datetime.timedelta(seconds=1))
    assert (due.id, due.eta, due.args) == (job.id, eta, (reply.pk,))
    queue.execute(due, eta + datetime.timedelta(seconds=1))
    assert Message.objects.get(pk=reply.pk).status == "sent"


def test_everything_huey_stores_round_trips():
    serializer = HUEY.serializer
    aware = datetime.datetime(2026, 5, 1, 12, 30, 5, 123456, tzinfo=datetime.UTC)
    values = [
        JobMessage(
            "id-1",
            "ventanilla.routing.tasks.drain",
            datetime.datetime(2026, 5, 1, 12, 30),
            3,
            5,
            None,
            (),
            {"area_ids": [1, 2], "$": "not a tag"},
            JobMessage("id-2", "ventanilla.schedules.tasks.auto_close", args=(), kwargs={}),
            None,
            datetime.timedelta(minutes=5),
            aware,
        ),
        Error({"error": "KeyError('x')", "retries": 0, "traceback": "…", "task_id": "id-1"}),
        (aware, True),
        (None, False),
        "1",
        None,
        [1, 2.5, "três", {"a": [None, True]}],
    ]
    for value in values:
        assert serializer.deserialize(serializer.serialize(value)) == value


@pytest.mark.parametrize(
    "value",
    [b"bytes", {1, 2}, {1: "int key"}, float("nan"), datetime.date(2026, 5, 1), object()],
)
def test_anything_else_is_refused(value):
    with pytest.raises(TypeError, match="jobs take ids and plain values"):
        HUEY.serializer.serialize(value)
