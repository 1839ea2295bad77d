"""The provider client of a line."""

from django.conf import settings

from ventanilla.providers.base import SendError, WhatsAppClient
from ventanilla.providers.models import Line, Provider
from ventanilla.providers.sandbox import SandboxClient


class UnavailableClient:
    def __init__(self, reason: str):
        self.reason = reason

    def send(self, message):
        raise SendError(self.reason, retryable=False)

    def mark_read(self, provider_message_id):
        return None

    def fetch_media(self, media):
        raise SendError(self.reason, retryable=False)


def provider_for(line: Line) -> WhatsAppClient:
    if line.provider == Provider.SANDBOX:
        return SandboxClient()
    if line.provider == Provider.CLOUD:
        from ventanilla.providers.cloud_api.client import CloudApiClient

        return CloudApiClient(
            base_url=line.cloud_api_url or settings.WHATSAPP_CLOUD_API_URL,
            phone_number_id=line.cloud_phone_number_id or "",
            access_token=line.cloud_access_token,
        )
    if line.provider == Provider.WPPCONNECT:
        from ventanilla.providers.wppconnect.client import WppConnectClient

        def keep_token(token: str, line_id=line.pk) -> None:
            Line.objects.filter(pk=line_id).update(wpp_token=token)

        return WppConnectClient(
            base_url=line.wpp_url,
            session=line.wpp_session,
            secret_key=line.wpp_secret_key,
            token=line.wpp_token,
            on_token=keep_token,
        )
    return UnavailableClient(f"The {line.get_provider_display()} provider is not available yet.")
