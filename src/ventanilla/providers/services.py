"""Writes on lines."""

from django.conf import settings
from django.db import IntegrityError, transaction

from ventanilla.providers.models import Line, Provider


def _settings_credentials(provider: str) -> dict:
    if provider == Provider.CLOUD:
        return {
            "cloud_phone_number_id": settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID or None,
            "cloud_access_token": settings.WHATSAPP_CLOUD_ACCESS_TOKEN,
            "cloud_app_secret": settings.WHATSAPP_CLOUD_APP_SECRET,
            "cloud_verify_token": settings.WHATSAPP_CLOUD_VERIFY_TOKEN,
        }
    if provider == Provider.WPPCONNECT:
        return {
            "wpp_url": settings.WPPCONNECT_URL,
            "wpp_secret_key": settings.WPPCONNECT_SECRET_KEY,
            "wpp_session": settings.WPPCONNECT_SESSION,
            "wpp_webhook_token": settings.WPPCONNECT_WEBHOOK_TOKEN or None,
        }
    return {}


def line_default() -> Line:
    """The default line, created from settings the first time it is needed."""
    line = Line.objects.filter(is_default=True).order_by("pk").first()
    if line is not None:
        return line
    provider = (
        settings.WHATSAPP_PROVIDER if settings.WHATSAPP_PROVIDER in Provider.values else "sandbox"
    )
    try:
        with transaction.atomic():
            return Line.objects.create(
                provider=provider,
                is_default=True,
                display_name="WhatsApp",
                **_settings_credentials(provider),
            )
    except IntegrityError:
        return Line.objects.filter(is_default=True).order_by("pk").first()


def line_sync_default_from_settings() -> Line:
    """At start: credentials given in the environment win over stored ones for the default line."""
    line = line_default()
    given = {k: v for k, v in _settings_credentials(line.provider).items() if v}
    if given:
        Line.objects.filter(pk=line.pk).update(**given)
        line.refresh_from_db()
    return line
