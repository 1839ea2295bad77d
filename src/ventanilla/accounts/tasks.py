"""Periodic upkeep of accounts (found by Huey's autodiscovery of `tasks` modules)."""

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ventanilla.accounts import services, sessions
from ventanilla.core import audit


@db_periodic_task(crontab(minute="*/15"))
def purge_expired_sign_in_state() -> None:
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    services.login_failures_purge()
    sessions.sessions_forget_ended()


@db_periodic_task(crontab(minute="23", hour="3"))
def purge_old_audit_entries() -> None:
    """Entries older than AUDIT_RETENTION_DAYS go, once a day."""
    audit.purge()
