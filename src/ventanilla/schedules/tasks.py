"""Huey jobs of the schedules app (found by Huey's autodiscovery of `tasks` modules)."""

from huey.contrib.djhuey import db_task

from ventanilla.schedules.autoclose import close_idle_conversations


@db_task()
def auto_close() -> None:
    close_idle_conversations()
