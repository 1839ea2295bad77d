"""A person writes first: a conversation started from a contact (or a typed phone) on a line, in
an area, with its first message: free text where the line allows it, a template where WhatsApp
asks for one (the Cloud API). docs/adr/0025-starting-a-conversation.md.

Who: `permissions.START` (every role), then the per-object rule: leads write to any contact or
number; agents to contacts they may see (`contact_selectors`) in one of their areas. The one-open-
conversation-per-contact-and-line rule holds: a contact who already has one is a 409 naming it.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
from ventanilla.accounts.permissions import TAKES_CONVERSATIONS, is_lead
from ventanilla.contacts.models import Contact
from ventanilla.contacts.phones import canonical_phone
from ventanilla.contacts.services import contact_create
from ventanilla.conversations import permissions
from ventanilla.conversations.contact_selectors import contact_get_for
from ventanilla.conversations.models import Conversation, EventKind, SenderType, Status
from ventanilla.conversations.outbound import message_queue_outbound, outbound_content, window_open
from ventanilla.conversations.publishing import publish_conversation, record_event
from ventanilla.conversations.services import open_key_of
from ventanilla.core import clock
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.core.fields import FieldErrors
from ventanilla.providers.models import Line, Provider
from ventanilla.providers.services import line_default


def _line(errors: FieldErrors, line_id: int | None) -> Line | None:
    if line_id is None:
        return line_default()
    line = Line.objects.filter(pk=line_id).first()
    if line is None:
        errors.add("line_id", _("Línea inexistente."))
    return line


def _contact_by_phone(by: User, phone: str, line: Line) -> Contact | None:
    """The contact of a typed phone: one `by` may see, or a new one when `by` is a lead."""
    canonical = canonical_phone(phone)
    if canonical is None:
        raise InvalidInput.field("phone", _("No parece un número de teléfono."))
    sandbox = line.provider == Provider.SANDBOX
    found = Contact.objects.filter(phone=canonical[0], sandbox=sandbox).first()
    if found is not None:
        return _contact(by, found.pk, field="phone")
    if not is_lead(by):
        raise InvalidInput.field("phone", _("No ves ningún contacto con este número."))
    if sandbox:
        raise InvalidInput.field("phone", _("La línea sandbox solo escribe a sus contactos."))
    return None  # created once everything else checked out


def _contact(by: User, contact_id: int, *, field: str = "contact_id") -> Contact:
    try:
        return contact_get_for(viewer_user=by, contact_id=contact_id)
    except NotFound as error:
        raise InvalidInput.field(field, _("Contacto inexistente.")) from error


def _default_area_id(by: User, contact: Contact | None) -> int | None:
    """The contact's area when `by` may use it, else `by`'s default, else an agent's first."""
    own = [] if is_lead(by) else list(by.areas.order_by("pk").values_list("pk", flat=True))
    for candidate in (contact.area_id if contact else None, by.default_area_id):
        if candidate is not None and (is_lead(by) or candidate in own):
            return candidate
    return own[0] if own else None


def _area(errors: FieldErrors, by: User, area_id: int | None, contact: Contact | None):
    if area_id is None:
        area_id = _default_area_id(by, contact)
        if area_id is None:
            return None
    area = Area.objects.filter(pk=area_id, is_active=True).first()
    if area is None:
        errors.add("area_id", _("Área inexistente o desactivada."))
    elif not is_lead(by) and not by.areas.filter(pk=area.pk).exists():
        errors.add("area_id", _("Elegí una de tus áreas."))
    return area


def _checked(by, *, contact_id, phone, line_id, area_id, text, template):
    """(line, contact or None to create, area, message content) or every problem at once."""
    permissions.START.check(by)
    errors = FieldErrors()
    line = _line(errors, line_id)
    if (contact_id is None) == (not (phone or "").strip()):
        errors.add("contact_id", _("Elegí un contacto o escribí un teléfono."))
    errors.raise_if_any()
    if contact_id is not None:
        contact = _contact(by, contact_id)
    else:
        contact = _contact_by_phone(by, phone, line)
    if contact is not None and contact.sandbox != (line.provider == Provider.SANDBOX):
        errors.add("line_id", _("La línea sandbox y los clientes reales no se mezclan."))
    elif contact is not None:
        _check_none_open(line, contact)  # said first: the message would go to that one
    area = _area(errors, by, area_id, contact)
    if by.role not in TAKES_CONVERSATIONS and area is None:
        errors.add("area_id", _("Elegí el área que atenderá la conversación."))
    try:
        content = outbound_content(line=line, text=text, template=template)
    except InvalidInput as error:
        for field, messages in error.errors.items():
            for message in messages:
                errors.add(field, message)
        content = {}
    errors.raise_if_any()
    probe = Conversation(line=line, last_inbound_at=None)
    if content["type"] == "text" and not window_open(probe, line):
        raise InvalidInput.field(
            "template",
            _("En esta línea WhatsApp pide una plantilla para escribir primero."),
        )
    return line, contact, area, content


def conversation_start(
    *,
    by: User,
    contact_id: int | None = None,
    phone: str | None = None,
    line_id: int | None = None,
    area_id: int | None = None,
    text: str | None = None,
    template: dict | None = None,
) -> Conversation:
    """Opens a conversation with a contact on a line and queues its first message. It is
    assigned to `by` when `by` takes conversations; an admin's goes to the area's queue."""
    line, contact, area, content = _checked(
        by,
        contact_id=contact_id,
        phone=phone,
        line_id=line_id,
        area_id=area_id,
        text=text,
        template=template,
    )
    with transaction.atomic():
        if contact is None:
            contact = contact_create(
                name=phone.strip(), phone=phone, area_id=area.pk if area else None
            )
        conversation = _create(by, line, contact, area)
        message_queue_outbound(
            conversation=conversation, sender_type=SenderType.AGENT, sender_user=by, **content
        )
        publish_conversation("conversation:update", conversation)
    return conversation


def _check_none_open(line: Line, contact: Contact) -> None:
    key = open_key_of(line.pk, contact.pk)
    existing = Conversation.objects.filter(open_key=key).values_list("pk", flat=True).first()
    if existing is not None:
        raise _already_open(existing)


def _create(by: User, line: Line, contact: Contact, area: Area | None) -> Conversation:
    key = open_key_of(line.pk, contact.pk)
    _check_none_open(line, contact)
    now = clock.now()
    assigned = by if by.role in TAKES_CONVERSATIONS else None
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                line=line,
                contact=contact,
                open_key=key,
                status=Status.ACTIVE if assigned else Status.QUEUED,
                area=area,
                assigned_to=assigned,
                assigned_at=now if assigned else None,
                queued_at=None if assigned else now,
                bot_active=False,
                last_activity_at=now,
                created_at=now,
            )
    except IntegrityError as error:  # a customer's message opened it meanwhile
        existing = Conversation.objects.filter(open_key=key).values_list("pk", flat=True).first()
        raise _already_open(existing) from error
    record_event(conversation, EventKind.CREATED, actor=by, started_by=by.pk)
    if assigned:
        record_event(conversation, EventKind.ASSIGNED, actor=by, user_id=by.pk, via="start")
    else:
        record_event(conversation, EventKind.QUEUED, actor=by, area_id=area.pk, via="start")
    return conversation


def _already_open(conversation_id: int | None) -> Conflict:
    message = _("El contacto ya tiene una conversación abierta en esta línea (#%(id)s).") % {
        "id": conversation_id
    }
    return Conflict(message, {"contact_id": [message]})
