"""Huey jobs of routing (found by Huey's autodiscovery of `tasks` modules)."""

from huey.contrib.djhuey import db_task

from ventanilla.core.jobs import named
from ventanilla.routing.services import DRAIN_QUEUES, drain_queues


@named(DRAIN_QUEUES)
@db_task()
def drain(area_ids: list[int] | None = None) -> None:
    """Assigns waiting conversations of open areas, oldest first, while agents are free."""
    drain_queues(area_ids=area_ids)
