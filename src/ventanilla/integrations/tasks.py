"""Huey jobs of outgoing webhooks (found by Huey's autodiscovery of `tasks` modules)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ventanilla.core.jobs import named
from ventanilla.integrations import delivery
from ventanilla.integrations.services import DELIVER

log = logging.getLogger(__name__)

SWEEP_GRACE_SECONDS = 60


@named(DELIVER)
@db_task()
def deliver_sequence(subscription_id: int, key: str) -> None:
    delay, more = delivery.run(subscription_id, key)
    try:
        if more:
            deliver_sequence(subscription_id, key)
        elif delay is not None:
            deliver_sequence.schedule((subscription_id, key), delay=delay)
    except Exception as error:  # the queue is down: the sweep finds the sequence when due
        log.warning("could not queue webhook sequence %s/%s (%s)", subscription_id, key, error)


@db_task()
def sweep_webhooks() -> None:
    for subscription_id, key in delivery.lost_sequences(SWEEP_GRACE_SECONDS):
        deliver_sequence(subscription_id, key)


@db_periodic_task(crontab(minute="23", hour="3"))
def prune_webhook_deliveries() -> None:
    """The log keeps settled deliveries for 30 days."""
    from datetime import timedelta

    from ventanilla.core import clock
    from ventanilla.integrations.models import Delivery, DeliveryStatus

    old = clock.now() - timedelta(days=30)
    Delivery.objects.exclude(status=DeliveryStatus.PENDING).filter(created_at__lt=old).delete()
