from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class LiveEvent(models.Model):
    """An event sent to consoles, kept for a while so a reconnecting console can catch up.

    `audience` says who may receive it (checked against the viewer when sent and when replayed).
    """

    name = models.CharField(max_length=40)
    data = models.JSONField()
    audience = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.pk} {self.name}"
