"""The simulated customer phone of the sandbox line (ADR 0018).

The line exists only when the installation asks for it (`providers.services.sandbox_offered`);
beside a real line only admins drive the phone (`permissions.DRIVE_SANDBOX`). Whatever number
its customers type, they are sandbox contacts, never a real line's customers. Reading the phone's
thread changes nothing; `customer_sees` is the phone itself reading its chat.
"""

from django.utils.translation import gettext as _

from ventanilla.contacts.models import Contact
from ventanilla.contacts.phones import canonical_phone
from ventanilla.conversations.models import DeliveryStatus, Direction, Message
from ventanilla.core import clock
from ventanilla.core.errors import InvalidInput, NotFound
from ventanilla.inbound import pipeline
from ventanilla.inbound.permissions import no_sandbox_text
from ventanilla.providers.base import InboundMessage, ParsedWebhook, StatusUpdate
from ventanilla.providers.models import Line
from ventanilla.providers.services import line_sandbox


def sandbox_line() -> Line:
    line = line_sandbox()
    if line is None:
        raise NotFound(no_sandbox_text())
    return line


def _phone(phone: str) -> str:
    canonical = canonical_phone(phone)
    if canonical is None:
        raise InvalidInput.field("from", _("No es un teléfono."))
    return canonical[0]


def customer_writes(*, phone: str, name: str, text: str, message_id: str) -> Message:
    line = sandbox_line()
    e164 = _phone(phone)
    inbound = InboundMessage(
        provider_message_id=f"sandbox.in.{message_id}",
        from_phone=e164.lstrip("+"),
        from_user_id="",
        profile_name=name.strip(),
        type="text",
        text=text,
        timestamp=clock.now(),
    )
    pipeline.receive(line_for=lambda key: line, parsed=ParsedWebhook(messages=[inbound]))
    return Message.objects.get(line=line, provider_id=inbound.provider_message_id)


def customer_sees(*, phone: str) -> None:
    """The simulated phone shows its chat: the desk's messages sent to it are reported delivered
    and read, through the same status path as a real line's receipts, so the agent's ticks move
    as they would with a real customer."""
    line = sandbox_line()
    e164 = canonical_phone(phone)
    if e164 is None:
        return
    unseen = Message.objects.filter(
        line=line,
        conversation__contact__phone=e164[0],
        conversation__contact__sandbox=True,
        direction=Direction.OUT,
        status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED],
    ).values_list("provider_id", flat=True)[:500]
    receipts = [
        StatusUpdate(provider_message_id=provider_id, status=status, timestamp=clock.now())
        for status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ)
        for provider_id in unseen
        if provider_id
    ]
    if receipts:
        pipeline.receive(line_for=lambda key: line, parsed=ParsedWebhook(statuses=receipts))


def customer_received(*, phone: str) -> list[dict]:
    line = sandbox_line()
    e164 = canonical_phone(phone)
    contact = Contact.objects.filter(phone=e164[0], sandbox=True).first() if e164 else None
    if contact is None:
        return []
    messages = Message.objects.filter(
        line=line, conversation__contact=contact, direction=Direction.OUT
    ).order_by("id")[:500]
    return [
        {
            "id": m.pk,
            "type": m.type,
            "text": m.text,
            "payload": m.payload,
            "status": m.status,
            "created_at": m.created_at.isoformat(),
        }
        for m in messages
    ]
