from django.conf import settings
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


CLOSED_DAY_NAME_MAX_LENGTH = 100


class ClosedDay(TimeStamped):
    """A date (settings.TIME_ZONE) on which an area, or every area (`area` null), does not open,
    a holiday: its windows that start that day stay closed, and an area without windows is closed
    all day (schedules/hours.py)."""

    day = models.DateField()
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="closed_days"
    )
    name = models.CharField(max_length=CLOSED_DAY_NAME_MAX_LENGTH)
    # courtesy text for customers who write that day ("" = the area's usual one)
    message = models.CharField(max_length=MESSAGE_MAX_LENGTH, blank=True, default="")

    class Meta:
        ordering = ["day", "area_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "area"], name="one_closed_day_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.name} ({self.area_id or 'all'})"


# WhatsApp refuses text messages longer than this (Cloud API: text.body, 4096 characters).
AUTO_CLOSE_MESSAGE_MAX_LENGTH = 4096
AUTO_CLOSE_SINGLETON_ID = 1


class AutoCloseSetting(TimeStamped):
    """Auto-close as an admin set it on the Settings screen (docs/adr/0013-desk-settings.md).

    At most one row (id 1). A null field follows the environment (AUTO_CLOSE_MINUTES,
    AUTO_CLOSE_MESSAGE), and so does everything while there is no row. Minutes 0 means off, as
    in AUTO_CLOSE_MINUTES. Read it through selectors.auto_close_get, write it through
    services.auto_close_update."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=AUTO_CLOSE_SINGLETON_ID)
    minutes = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    message = models.TextField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=AUTO_CLOSE_SINGLETON_ID), name="auto_close_setting_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"auto-close: {self.minutes} min"
