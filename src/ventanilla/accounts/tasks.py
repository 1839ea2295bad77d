"""Periodic upkeep of accounts (found by Huey's autodiscovery of `tasks` modules)."""

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ventanilla.accounts import services


@db_periodic_task(crontab(minute="*/15"))
def purge_expired_sign_in_state() -> None:
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    services.login_failures_purge()
