from django.db import models

from ventanilla.accounts.models import Area
from ventanilla.core.models import TimeStamped

UNKNOWN_NAME = "Desconocido"


class Contact(TimeStamped):
    """A customer. Found by WhatsApp user id first, then by phone (both unique when present)."""

    name = models.CharField(max_length=150, default=UNKNOWN_NAME)
    phone = models.CharField(max_length=20, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(default=False)
    wa_user_id = models.CharField(max_length=128, unique=True, null=True, blank=True)
    dni = models.CharField(max_length=8, blank=True, default="", db_index=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone or self.wa_user_id or self.pk})"
