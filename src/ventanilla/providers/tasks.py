"""Huey jobs of the WhatsApp lines (found by Huey's autodiscovery of `tasks` modules)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ventanilla.providers import services


@db_task()
def sync_templates() -> None:
    """Every Cloud API line's message templates, read again from Meta (queued at start)."""
    services.templates_sync_all()


@db_periodic_task(crontab(minute="23"))
def sync_templates_hourly() -> None:
    """Meta's webhooks tell status changes; new and edited templates need this hourly read."""
    services.templates_sync_all()
