"""Writes for contacts. Every function validates all fields before writing anything."""

import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area
from ventanilla.contacts.models import UNKNOWN_NAME, Contact
from ventanilla.contacts.phones import canonical_phone, canonical_wa_phone, normalise_dni
from ventanilla.contacts.serializers import contact_item
from ventanilla.core.db import is_transient
from ventanilla.core.errors import (
    Conflict,
    InvalidInput,
    max_length_text,
    unknown_area_text,
)
from ventanilla.core.fields import UNSET, FieldErrors, checked_text
from ventanilla.integrations import services as webhooks
from ventanilla.integrations.models import WebhookEvent

NAME_MAX = Contact._meta.get_field("name").max_length
WA_USER_ID_MAX = Contact._meta.get_field("wa_user_id").max_length
INBOUND_ATTEMPTS = 5


# --- Field checks ----------------------------------------------------------------------------


def _without_controls(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def _phone_holder(phone: str, *, exclude_id: int | None, sandbox: bool) -> Contact | None:
    holders = Contact.objects.filter(phone=phone, sandbox=sandbox)
    if exclude_id is not None:
        holders = holders.exclude(pk=exclude_id)
    return holders.only("pk", "name").first()


def _check_phone(
    errors: FieldErrors, phone: str | None, *, exclude_id: int | None, sandbox: bool = False
) -> tuple[str | None, bool]:
    """The canonical phone and its verified flag; None when left empty."""
    if phone is None or not phone.strip():
        return None, False
    canonical = canonical_phone(phone)
    if canonical is None:
        errors.add("phone", _("«%(phone)s» no es un teléfono.") % {"phone": phone.strip()})
        return None, False
    holder = _phone_holder(canonical[0], exclude_id=exclude_id, sandbox=sandbox)
    if holder is not None:
        errors.add("phone", _phone_taken(canonical[0], holder))
    return canonical


def _phone_taken(phone: str, holder: Contact) -> str:
    return _("El contacto %(id)s («%(name)s») ya tiene el teléfono %(phone)s.") % {
        "id": holder.pk,
        "name": holder.name,
        "phone": phone,
    }


def _wa_user_id_problem(wa_user_id: str) -> str | None:
    if len(wa_user_id) > WA_USER_ID_MAX:
        return max_length_text(WA_USER_ID_MAX)
    if not wa_user_id.isprintable() or any(ch.isspace() for ch in wa_user_id):
        return _("Un id de usuario de WhatsApp no tiene espacios ni caracteres de control.")
    return None


def _check_wa_user_id(
    errors: FieldErrors, wa_user_id: str | None, *, exclude_id: int | None, sandbox: bool = False
) -> str | None:
    wa_user_id = (wa_user_id or "").strip()
    if not wa_user_id:
        return None
    problem = _wa_user_id_problem(wa_user_id)
    if problem:
        errors.add("wa_user_id", problem)
        return wa_user_id
    holders = Contact.objects.filter(wa_user_id=wa_user_id, sandbox=sandbox)
    if exclude_id is not None:
        holders = holders.exclude(pk=exclude_id)
    holder = holders.only("pk").first()
    if holder is not None:
        errors.add(
            "wa_user_id",
            _("El contacto %(id)s ya tiene este id de usuario de WhatsApp.") % {"id": holder.pk},
        )
    return wa_user_id


def _check_dni(errors: FieldErrors, dni: str | None) -> str:
    if dni is None or not dni.strip():
        return ""
    try:
        return normalise_dni(dni)
    except ValueError as error:
        errors.add("dni", str(error))
        return ""


def _check_area(errors: FieldErrors, area_id: int | None) -> int | None:
    if area_id is not None and not Area.objects.filter(pk=area_id).exists():
        errors.add("area_id", unknown_area_text(area_id))
    return area_id


def _check_reachable(errors: FieldErrors, contact: Contact) -> None:
    if contact.phone is None and contact.wa_user_id is None and "phone" not in errors.errors:
        errors.add("phone", _("Un contacto necesita un teléfono o un id de usuario de WhatsApp."))


def record_webhook(event: str, contact: Contact) -> None:
    """An outgoing webhook event about the contact (its API shape built only when someone
    subscribed), in the current transaction."""
    webhooks.record(event, key=webhooks.contact_key(contact.pk), data=lambda: contact_item(contact))


def _save(contact: Contact) -> Contact:
    """Saves `contact`; a concurrent writer that took its phone or user id first is a 422."""
    event = WebhookEvent.CONTACT_UPDATED if contact.pk else WebhookEvent.CONTACT_CREATED
    try:
        with transaction.atomic():
            contact.save()
            record_webhook(event, contact)
    except IntegrityError as error:
        errors = FieldErrors()
        if contact.phone is not None:
            holder = _phone_holder(contact.phone, exclude_id=contact.pk, sandbox=contact.sandbox)
            if holder is not None:
                errors.add("phone", _phone_taken(contact.phone, holder))
        _check_wa_user_id(
            errors, contact.wa_user_id, exclude_id=contact.pk, sandbox=contact.sandbox
        )
        if not errors.errors:
            errors.add("phone", _("Otro contacto tiene este teléfono o id de usuario de WhatsApp."))
        first_field, messages = next(iter(errors.errors.items()))
        raise InvalidInput(f"{first_field}: {messages[0]}", errors.errors) from error
    return contact


# --- Staff writes ----------------------------------------------------------------------------


def contact_create(
    *,
    name: str,
    phone: str | None = None,
    dni: str | None = "",
    area_id: int | None = None,
    wa_user_id: str | None = None,
) -> Contact:
    errors = FieldErrors()
    contact = Contact(name=checked_text(errors, name, NAME_MAX))
    contact.phone, contact.phone_verified = _check_phone(errors, phone, exclude_id=None)
    contact.dni = _check_dni(errors, dni)
    contact.area_id = _check_area(errors, area_id)
    contact.wa_user_id = _check_wa_user_id(errors, wa_user_id, exclude_id=None)
    _check_reachable(errors, contact)
    errors.raise_if_any()
    return _save(contact)


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    name=UNSET,
    phone=UNSET,
    dni=UNSET,
    area_id=UNSET,
    wa_user_id=UNSET,
) -> Contact:
    """Changes only the given fields (PATCH); None or "" clears phone, DNI, area and user id."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    errors = FieldErrors()
    if name is not UNSET:
        contact.name = checked_text(errors, name, NAME_MAX)
    if phone is not UNSET:
        contact.phone, contact.phone_verified = _check_phone(
            errors, phone, exclude_id=contact.pk, sandbox=contact.sandbox
        )
    if dni is not UNSET:
        contact.dni = _check_dni(errors, dni)
    if area_id is not UNSET:
        contact.area_id = _check_area(errors, area_id)
    if wa_user_id is not UNSET:
        contact.wa_user_id = _check_wa_user_id(
            errors, wa_user_id, exclude_id=contact.pk, sandbox=contact.sandbox
        )
    _check_reachable(errors, contact)
    errors.raise_if_any()
    return _save(contact)


def contact_delete(*, contact: Contact) -> None:
    """Deletes a contact without conversations; one with history is merged, never deleted."""
    refusal = _(
        "El contacto %(id)s tiene conversaciones: en vez de borrarlo, unilo con otro contacto."
    ) % {"id": contact.pk}
    if contact.conversations.exists():
        raise Conflict(refusal)
    try:
        with transaction.atomic():
            contact.delete()
    except ProtectedError as error:  # a conversation arrived since the check
        raise Conflict(refusal) from error


# --- Inbound ---------------------------------------------------------------------------------


def _inbound_name(profile_name: str | None) -> str:
    name = " ".join(_without_controls(profile_name or "").split())
    return name[:NAME_MAX] or UNKNOWN_NAME


@dataclass(frozen=True)
class Sender:
    """Who wrote a WhatsApp message, validated: canonical phone (or None), user id (or None);
    `sandbox` when it was the sandbox line's simulated phone (its contacts are its own)."""

    phone: str | None
    phone_verified: bool
    wa_user_id: str | None
    name: str
    sandbox: bool = False


def _find_or_create(sender: Sender) -> tuple[Contact, bool]:
    phone, verified, wa_user_id, name = (
        sender.phone,
        sender.phone_verified,
        sender.wa_user_id,
        sender.name,
    )
    contacts = Contact.objects.filter(sandbox=sender.sandbox)
    contact = None
    if wa_user_id is not None:
        contact = contacts.filter(wa_user_id=wa_user_id).first()
    found_by_user_id = contact is not None
    if contact is None and phone is not None:
        contact = contacts.filter(phone=phone).first()
    if contact is None:
        contact = Contact.objects.create(
            name=name,
            phone=phone,
            phone_verified=verified,
            wa_user_id=wa_user_id,
            sandbox=sender.sandbox,
        )
        record_webhook(WebhookEvent.CONTACT_CREATED, contact)
        return contact, True
    changed = []
    if found_by_user_id:
        # The user id is the stable identity; the phone WhatsApp reports now is the current one,
        # unless another contact already holds it (merging two contacts is a person's decision).
        phone_is_new = phone is not None and contact.phone != phone
        if phone_is_new and not contacts.filter(phone=phone).exists():
            contact.phone, contact.phone_verified = phone, verified
            changed += ["phone", "phone_verified"]
    elif wa_user_id is not None and contact.wa_user_id is None:
        contact.wa_user_id = wa_user_id
        changed.append("wa_user_id")
    if contact.name == UNKNOWN_NAME and name != UNKNOWN_NAME:
        contact.name = name
        changed.append("name")
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
        record_webhook(WebhookEvent.CONTACT_UPDATED, contact)
    return contact, False


def inbound_sender(
    *, phone: str, wa_user_id: str, profile_name: str, sandbox: bool = False
) -> Sender:
    canonical = canonical_wa_phone(phone) if (phone or "").strip() else None
    wa_user_id = (wa_user_id or "").strip() or None
    if canonical is None and wa_user_id is None:
        field = "phone" if (phone or "").strip() else "wa_user_id"
        raise InvalidInput.field(field, _("El remitente no tiene teléfono ni id de usuario."))
    problem = _wa_user_id_problem(wa_user_id) if wa_user_id is not None else None
    if problem:
        raise InvalidInput.field("wa_user_id", problem)
    e164, verified = canonical if canonical is not None else (None, False)
    return Sender(e164, verified, wa_user_id, _inbound_name(profile_name), sandbox)


def sender_lookup(sender: Sender, *, prefix: str = "") -> dict:
    """The filter that finds the sender's contact: by user id first, else by phone."""
    if sender.wa_user_id is not None:
        return {f"{prefix}wa_user_id": sender.wa_user_id, f"{prefix}sandbox": sender.sandbox}
    return {f"{prefix}phone": sender.phone, f"{prefix}sandbox": sender.sandbox}


def teaches_nothing_new(contact: Contact, sender: Sender) -> bool:
    """Whether this contact, found by `sender_lookup`, already knows all the message tells."""
    if sender.wa_user_id is not None and sender.phone is not None and contact.phone != sender.phone:
        return False
    return not (contact.name == UNKNOWN_NAME and sender.name != UNKNOWN_NAME)


def contact_for_sender(sender: Sender) -> tuple[Contact, bool]:
    """The contact a WhatsApp sender is, created when new: (contact, created).

    Found by WhatsApp user id first, then by canonical phone; what is learnt on the way is kept
    (a new user id for a known phone, a phone for a known user id when no one else holds it, a
    profile name for a "Desconocido"). A phone held by one contact and a user id by another are
    left as they are. Safe when many webhooks for the same new sender arrive at once: the unique
    phone and user id let one insert win and the others find its row.
    """
    known = Contact.objects.filter(**sender_lookup(sender)).first()
    if known is not None and teaches_nothing_new(known, sender):
        return known, False  # the common case: one read, no savepoint
    nested = connection.in_atomic_block
    for _attempt in range(INBOUND_ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return _find_or_create(sender)
        except IntegrityError:  # a concurrent webhook inserted or claimed the same sender
            continue  # look again: its row is committed now
        except OperationalError as error:
            if not _may_retry_deadlock(error, nested=nested):
                raise
    with transaction.atomic():
        return _find_or_create(sender)


def _may_retry_deadlock(error: OperationalError, *, nested: bool) -> bool:
    """Whether `error` is a deadlock or lock timeout this function may retry by itself.

    Two inserts of the same new unique value can deadlock on MariaDB (InnoDB's shared and
    insert-intention gap locks). PostgreSQL rolls back to our savepoint, so a retry is fine; an
    InnoDB deadlock rolls the whole transaction back, so when a caller's transaction surrounds
    ours the error goes up to it (core.db.retry_transient runs it again, or a webhook answers
    5xx and is sent again).
    """
    if not is_transient(error):
        return False
    whole_transaction_lost = connection.vendor == "mysql" and error.args[:1] == (1213,)
    return not (nested and whole_transaction_lost)
