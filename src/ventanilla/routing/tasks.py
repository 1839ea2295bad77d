"""Huey jobs of routing (found by Huey's autodiscovery of `tasks` modules)."""

from huey.contrib.djhuey import db_task

from ventanilla.routing.services import drain_queues


@db_task()
def drain(area_ids: list[int] | None = None) -> None:
    """Assigns waiting conversations of open areas, oldest first, while agents are free."""
    drain_queues(area_ids=area_ids)
