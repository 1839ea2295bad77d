"""Huey jobs of the messaging core (found by Huey's autodiscovery of `tasks` modules)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ventanilla.conversations import outbox
from ventanilla.conversations.models import Message
from ventanilla.conversations.publishing import SEND_LOADED, SEND_MESSAGE, SEND_READ_RECEIPT
from ventanilla.core.jobs import named
from ventanilla.providers.base import SendError

log = logging.getLogger(__name__)


@named(SEND_MESSAGE)
@db_task()
def send_message(message_id: int) -> None:
    _retry_later(message_id, outbox.deliver(message_id))


@named(SEND_LOADED)
def send_loaded(message: Message) -> None:
    """Not a job: run by a sender thread of the process that queued the message (ADR 0034)."""
    _retry_later(message.pk, outbox.deliver_loaded(message))


def _retry_later(message_id: int, delay: float | None) -> None:
    if delay is not None:
        try:
            send_message.schedule((message_id,), delay=delay)
        except Exception as error:  # the queue is down: the sweep enqueues the retry when due
            log.warning("could not schedule the retry of message %s (%s)", message_id, error)


@db_task(retries=3, retry_delay=5)
def fetch_media(message_id: int) -> None:
    outbox.fetch_inbound_media(message_id)


@named(SEND_READ_RECEIPT)
@db_task(retries=2, retry_delay=10)
def send_read_receipt(line_id: int, provider_message_id: str) -> None:
    from ventanilla.providers.models import Line
    from ventanilla.providers.registry import client_for

    line = Line.objects.get(pk=line_id)
    try:
        with client_for(line) as client:
            client.mark_read(provider_message_id)
    except SendError as error:
        if error.retryable:
            raise


@db_task()
def sweep_outbox() -> None:
    outbox.settle_lapsed_claims()
    outbox.apply_overtaken_statuses()
    for message_id in outbox.requeue_lost_jobs():
        send_message(message_id)


@db_periodic_task(crontab(minute="17"))
def prune_live_events() -> None:
    """Live events are kept for consoles that reconnect; a day is far more than replay needs.
    Early statuses whose message never got that provider id are dropped after a day too."""
    from datetime import timedelta

    from ventanilla.conversations.models import EarlyStatus
    from ventanilla.core import clock
    from ventanilla.core.models import LiveEvent

    LiveEvent.objects.filter(created_at__lt=clock.now() - timedelta(days=1)).delete()
    # statuses of messages we never sent (e.g. typed on the phone itself) wait here in vain
    EarlyStatus.objects.filter(at__lt=clock.now() - timedelta(days=1)).delete()
