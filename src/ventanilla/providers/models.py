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

    wpp_url = models.CharField(max_length=300, blank=True, default="")
    wpp_secret_key = models.CharField(max_length=300, blank=True, default="")
    wpp_session = models.CharField(max_length=100, blank=True, default="")
    wpp_webhook_token = models.CharField(max_length=128, unique=True, null=True, blank=True)
    wpp_token = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.display_name or f"{self.get_provider_display()} #{self.pk}"
