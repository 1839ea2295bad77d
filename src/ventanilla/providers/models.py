from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import TimeStamped


class Provider(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox")
    CLOUD = "cloud", _("WhatsApp Cloud API")
    WPPCONNECT = "wppconnect", _("WPPConnect")


class LineState(models.TextChoices):
    DISCONNECTED = "disconnected", _("Desconectada")
    QR = "qr", _("Esperando QR")
    CONNECTING = "connecting", _("Conectando")
    CONNECTED = "connected", _("Conectada")
    ERROR = "error", _("Error")


class Line(TimeStamped):
    """One business WhatsApp number and how Ventanilla reaches it."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    display_name = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    is_default = models.BooleanField(default=False)
    paused = models.BooleanField(default=False)
    state = models.CharField(
        max_length=16, choices=LineState.choices, default=LineState.DISCONNECTED
    )
    state_detail = models.CharField(max_length=500, blank=True, default="")
    connected_since = models.DateTimeField(null=True, blank=True)
    last_qr = models.TextField(blank=True, default="")

    cloud_phone_number_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    cloud_access_token = models.TextField(blank=True, default="")
    cloud_app_secret = models.CharField(max_length=128, blank=True, default="")
    cloud_verify_token = models.CharField(max_length=128, blank=True, default="")
    cloud_api_url = models.CharField(max_length=300, blank=True, default="")
    # the WhatsApp Business Account the number belongs to: where its message templates live
    # (a database default too: migrations of other apps write lines with older model states)
    cloud_waba_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    wpp_url = models.CharField(max_length=300, blank=True, default="")
    wpp_secret_key = models.CharField(max_length=300, blank=True, default="")
    wpp_session = models.CharField(max_length=100, blank=True, default="")
    wpp_webhook_token = models.CharField(max_length=128, unique=True, null=True, blank=True)
    wpp_token = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.display_name or f"{self.get_provider_display()} #{self.pk}"


class TemplateStatus(models.TextChoices):
    """Meta's review states of a message template; only APPROVED ones can be sent."""

    APPROVED = "APPROVED", _("Aprobada")
    PENDING = "PENDING", _("En revisión")
    REJECTED = "REJECTED", _("Rechazada")
    PAUSED = "PAUSED", _("Pausada")
    DISABLED = "DISABLED", _("Desactivada")
    IN_APPEAL = "IN_APPEAL", _("En apelación")
    PENDING_DELETION = "PENDING_DELETION", _("Por borrarse")
    DELETED = "DELETED", _("Borrada")
    FLAGGED = "FLAGGED", _("Marcada")
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Límite excedido")
    ARCHIVED = "ARCHIVED", _("Archivada")
    UNKNOWN = "UNKNOWN", _("Desconocida")


class MessageTemplate(models.Model):
    """A message template of a line's WhatsApp Business Account, as last synced from Meta
    (providers/templates.py); what the desk may send outside the 24-hour window."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(max_length=20, default=TemplateStatus.UNKNOWN)
    provider_id = models.CharField(max_length=64, blank=True, default="")
    components = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "name", "language"], name="one_template_per_line_name_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
