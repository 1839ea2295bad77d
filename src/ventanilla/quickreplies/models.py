from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.core.models import TimeStamped


class Scope(models.TextChoices):
    DESK = "desk", _("Todo el equipo")
    AREA = "area", _("Un área")
    PERSONAL = "personal", _("Personal")


class QuickReply(TimeStamped):
    """A text an agent inserts with "/code" in the composer (docs/chat.md#quick-replies)."""

    code = models.CharField(max_length=30)
    code_key = models.CharField(max_length=30, editable=False)  # core.text.fold of the code
    title = models.CharField(max_length=80)
    text = models.TextField()
    scope = models.CharField(max_length=10, choices=Scope.choices)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quick_replies",
    )
    # "desk", "area:<id>" or "user:<id>": one code per shelf on every database (NULLs in a
    # unique constraint are distinct on PostgreSQL and MariaDB)
    shelf = models.CharField(max_length=30, editable=False)
    # one file sent with the text (docs/chat.md#quick-replies), checked as agents' attachments;
    # messages sent with it point at the same stored file, so a stored file is never removed
    file = models.FileField(upload_to="quick-replies/%Y/%m/", max_length=300, blank=True)
    file_kind = models.CharField(max_length=10, blank=True, default="")  # a MessageType value
    file_mime_type = models.CharField(max_length=120, blank=True, default="")
    file_filename = models.CharField(max_length=255, blank=True, default="")
    file_size = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shelf", "code_key"], name="one_code_per_shelf"),
        ]
        ordering = ["code_key", "pk"]

    def __str__(self) -> str:
        return f"/{self.code}"


def shelf_of(scope: str, area_id: int | None, owner_id: int | None) -> str:
    if scope == Scope.AREA:
        return f"area:{area_id}"
    if scope == Scope.PERSONAL:
        return f"user:{owner_id}"
    return "desk"
