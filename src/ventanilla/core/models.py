from django.db import models
from django.utils import timezone


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


class AuditQuerySet(models.QuerySet):
    """Audit entries are written once and never changed: no update, no delete, but the purge of
    entries older than the retention (`core.audit.purge`)."""

    def update(self, **kwargs):
        raise TypeError("audit entries are never changed")

    def delete(self):
        raise TypeError("audit entries are never deleted, only purged by age")

    def purge_before(self, moment) -> int:
        return self.filter(created_at__lt=moment)._raw_delete(self.db)


class AuditEntry(models.Model):
    """Who did what, when, from where: one row per audited change, written in the change's own
    transaction by the service that makes it (core.audit.record). The actor and the target are
    kept as ids and names, not foreign keys: the trail outlives what it names."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, db_index=True)  # "user.updated", "signin.failed"
    actor_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True, default="")
    token_id = models.PositiveBigIntegerField(null=True, blank=True)  # made with this API token
    ip_address = models.CharField(max_length=45, blank=True, default="")
    target_type = models.CharField(max_length=40, db_index=True)  # "user", "flow", "line", ...
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_label = models.CharField(max_length=200, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)  # {field: [before, after]}

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit entries are never deleted, only purged by age")
