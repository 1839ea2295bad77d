"""The built-in simulated phone: sends succeed at once and are read back by the sandbox page."""

import uuid

from ventanilla.providers.base import MediaRef, OutboundMessage, SendResult


class SandboxClient:
    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(provider_message_id=f"sandbox.{uuid.uuid4().hex}")

    def mark_read(self, provider_message_id: str) -> None:
        return None

    def fetch_media(self, media: MediaRef) -> tuple[bytes, str]:
        return media.content or b"", media.mime_type

    def close(self) -> None:
        return None
