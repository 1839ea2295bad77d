from django.db import models

from ventanilla.accounts.models import Area
from ventanilla.core.models import TimeStamped

MESSAGE_MAX_LENGTH = 1000


class WorkingHour(TimeStamped):
    """One opening window of an area: on `days` (0 = Sunday ... 6 = Saturday) from `start_time`
    to `end_time`, wall-clock time in settings.TIME_ZONE. `end_time` before `start_time` is an
    overnight window; it belongs to the day it starts on."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="working_hours")
    days = models.JSONField(default=list)
    start_time = models.TimeField()
    end_time = models.TimeField()
    # courtesy text sent to customers who reach the area while it is closed ("" = the default)
    message = models.CharField(max_length=MESSAGE_MAX_LENGTH, blank=True, default="")

    class Meta:
        ordering = ["area_id", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.days} {self.start_time:%H:%M}-{self.end_time:%H:%M}"
