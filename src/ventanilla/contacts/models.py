from django.db import models

from ventanilla.accounts.models import Area
from ventanilla.core.models import TimeStamped

UNKNOWN_NAME = "Desconocido"


class Contact(TimeStamped):
    """A customer. Found by WhatsApp user id first, then by phone (both unique when present).

    The sandbox line's customers are contacts of their own (`sandbox`), never a real line's: the
    same phone may be one real contact and one sandbox contact (ADR 0018).
    """

    name = models.CharField(max_length=150, default=UNKNOWN_NAME)
    phone = models.CharField(max_length=20, null=True, blank=True)
    phone_verified = models.BooleanField(default=False)
    wa_user_id = models.CharField(max_length=128, null=True, blank=True)
    sandbox = models.BooleanField(default=False)
    dni = models.CharField(max_length=8, blank=True, default="", db_index=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["phone", "sandbox"], name="contact_phone_unique"),
            models.UniqueConstraint(
                fields=["wa_user_id", "sandbox"], name="contact_wa_user_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone or self.wa_user_id or self.pk})"
