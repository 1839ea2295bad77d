"""What every WhatsApp provider turns its payloads into, and what it must be able to do.

Parsers are tolerant: an unknown message type becomes `type="unsupported"` with the raw part kept,
never an exception. Sending raises `SendError` with `retryable` telling the outbox what to do.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class MediaRef:
    """Media as the provider hands it over: an id to fetch later, or the bytes themselves."""

    provider_media_id: str = ""
    url: str = ""
    mime_type: str = ""
    filename: str = ""
    sha256: str = ""
    size: int | None = None
    content: bytes | None = None  # providers that deliver inline (WPPConnect base64)
    voice: bool = False


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    from_phone: str  # digits as the provider sent them, may be "" when only a user id is known
    from_user_id: str  # business-scoped WhatsApp user id, may be ""
    profile_name: str
    type: str  # one of conversations.models.MessageType values
    text: str = ""
    media: MediaRef | None = None
    payload: dict = field(default_factory=dict)  # location, contacts, interactive ids, reaction
    reply_to_provider_id: str = ""
    timestamp: datetime | None = None
    line_key: str = ""  # how the provider names the receiving line (Cloud API phone_number_id)


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str  # sent | delivered | read | failed
    timestamp: datetime | None = None
    error_code: str = ""
    error_title: str = ""
    recipient: str = ""
    line_key: str = ""
    reference: str = ""  # what we tagged the send with, when the provider echoes it (Cloud API)


@dataclass(frozen=True)
class ParsedWebhook:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # value-level errors the provider reported


@dataclass(frozen=True)
class OutboundMessage:
    to_phone: str  # E.164 without "+", or "" when only a user id is known
    to_user_id: str
    type: str  # text | interactive | template | image | audio | video | document | reaction
    text: str = ""
    payload: dict = field(default_factory=dict)
    media: MediaRef | None = None
    reply_to_provider_id: str = ""
    reference: str = ""  # our name for the send; providers that can carry it echo it in statuses


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class SendError(Exception):
    def __init__(self, reason: str, *, code: str = "", retryable: bool = False, retry_after=None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the provider asked us to wait, when it said


class WhatsAppClient(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...

    def mark_read(self, provider_message_id: str) -> None: ...

    def fetch_media(self, media: MediaRef) -> tuple[bytes, str]:
        """The bytes and mime type of an inbound media reference."""
        ...

    def close(self) -> None:
        """Closes its connections; it is not used again."""
        ...


class MediaUploader(Protocol):
    """What a client of a line whose capabilities say `uploads_media` also does."""

    def upload_media(self, media: MediaRef) -> str:
        """Uploads `media.content`; returns the provider's media id to send it by."""
        ...
