"""Rows for tests: conversations made with the ORM, contacts as the inbound pipeline makes them."""

from django.utils import timezone

from ventanilla.contacts import services
from ventanilla.conversations.models import Conversation, Status
from ventanilla.providers.models import Line


def make_line() -> Line:
    return Line.objects.create(provider="sandbox", display_name="Sandbox")


def make_conversation(contact, *, line=None, status=Status.QUEUED, area=None, assigned_to=None):
    now = timezone.now()
    return Conversation.objects.create(
        line=line or make_line(),
        contact=contact,
        status=status,
        area=area,
        assigned_to=assigned_to,
        last_activity_at=now,
        created_at=now,
    )


def contact_for_inbound(**sender):
    """The contact the inbound pipeline finds or creates for a sender (the two steps it takes)."""
    return services.contact_for_sender(services.inbound_sender(**sender))
