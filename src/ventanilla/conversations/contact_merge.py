"""Merging two contacts into one, and the pairs that look like one customer twice.

A merge moves conversations, which carry their messages and events, so it lives here rather
than in contacts/ (conversations sit above contacts in the layers).

Rules of `contact_merge(keep=, other=, by=)`:
- `keep` stays, `other` is deleted; every conversation of `other` now belongs to `keep` (an open
  one keeps its place: its `open_key` names `keep`).
- Fields empty on `keep` are filled from `other`: DNI, area, phone (with its verified flag) and
  WhatsApp user id; the name only while `keep` is still "Desconocido". What `keep` has wins:
  `other`'s phone or user id is then dropped (the event below remembers them).
- Both with an open conversation on the same line: refused (409), since a contact has at most
  one open conversation per line; close one first. A contact merged with itself: 422; so is a
  sandbox contact with a real one (ADR 0018), and they are never suggested as duplicates.
- Each moved conversation gets an audit event of kind `contact_merged` with
  `{"contact_id": keep, "merged_from": other, ...}` and the person who merged as actor; a log
  line records every merge, also one without conversations.
- Consoles get `conversation:update` for the open conversations of the merged contact.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.contacts.models import UNKNOWN_NAME, Contact
from ventanilla.contacts.phones import canonical_phone
from ventanilla.contacts.services import record_webhook
from ventanilla.conversations.models import Conversation, ConversationEvent, EventKind
from ventanilla.conversations.publishing import publish_conversation
from ventanilla.conversations.signals import contact_merged
from ventanilla.core import clock
from ventanilla.core.db import retry_transient
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.integrations.models import WebhookEvent

log = logging.getLogger(__name__)

DUPLICATES_LIMIT = 100
IRREGULAR_SCAN = 10_000  # unverified Argentine phones looked at for duplicates, at most
LOOKUP_CHUNK = 500


def _locked_pair(keep_id: int, other_id: int) -> tuple[Contact, Contact]:
    # in id order, so that two merges of the same pair cannot deadlock
    rows = Contact.objects.select_for_update().filter(pk__in=[keep_id, other_id]).order_by("pk")
    contacts = {contact.pk: contact for contact in rows}
    if keep_id not in contacts or other_id not in contacts:
        raise NotFound(_("Contacto inexistente."))
    return contacts[keep_id], contacts[other_id]


def _refuse_two_open_on_one_line(keep: Contact, other: Contact) -> list[Conversation]:
    """The open conversations of both (locked), after checking no line has one of each."""
    open_rows = list(
        Conversation.objects.select_for_update()
        .filter(contact_id__in=[keep.pk, other.pk], open_key__isnull=False)
        .order_by("pk")
    )
    by_line: dict[int, dict[int, int]] = {}
    for conversation in open_rows:
        by_line.setdefault(conversation.line_id, {})[conversation.contact_id] = conversation.pk
    for line_id, holders in sorted(by_line.items()):
        if len(holders) == 2:
            raise Conflict(
                _(
                    "Los dos contactos tienen una conversación abierta en la línea %(line)s "
                    "(conversaciones %(first)s y %(second)s); cerrá una de ellas antes."
                )
                % {"line": line_id, "first": holders[keep.pk], "second": holders[other.pk]}
            )
    return open_rows


def _fill(keep: Contact, other: Contact) -> list[str]:
    """Copies to `keep` what it lacks and `other` has; the fields that changed."""
    changed = []
    if keep.name == UNKNOWN_NAME and other.name != UNKNOWN_NAME:
        keep.name = other.name
        changed.append("name")
    if not keep.dni and other.dni:
        keep.dni = other.dni
        changed.append("dni")
    if keep.area_id is None and other.area_id is not None:
        keep.area_id = other.area_id
        changed.append("area")
    if keep.phone is None and other.phone is not None:
        keep.phone, keep.phone_verified = other.phone, other.phone_verified
        changed += ["phone", "phone_verified"]
    if keep.wa_user_id is None and other.wa_user_id is not None:
        keep.wa_user_id = other.wa_user_id
        changed.append("wa_user_id")
    return changed


def _merge(keep_id: int, other_id: int, by: User | None) -> tuple[Contact, int]:
    keep, other = _locked_pair(keep_id, other_id)
    open_rows = _refuse_two_open_on_one_line(keep, other)
    moving = Conversation.objects.filter(contact_id=other.pk)
    moved_ids = list(moving.order_by("pk").values_list("pk", flat=True))
    for conversation in open_rows:
        if conversation.contact_id == other.pk:
            conversation.open_key = f"{conversation.line_id}:{keep.pk}"
            Conversation.objects.filter(pk=conversation.pk).update(
                contact_id=keep.pk, open_key=conversation.open_key
            )
    moving.update(contact_id=keep.pk)
    now = clock.now()
    trace = {
        "contact_id": keep.pk,
        "merged_from": other.pk,
        "merged_from_name": other.name,
        "merged_from_phone": other.phone,
        "merged_from_wa_user_id": other.wa_user_id,
        "merged_from_dni": other.dni,
    }
    ConversationEvent.objects.bulk_create(
        [
            ConversationEvent(
                conversation_id=pk,
                kind=EventKind.CONTACT_MERGED,
                actor=by,
                data=trace,
                created_at=now,
            )
            for pk in moved_ids
        ],
        batch_size=500,
    )
    changed = _fill(keep, other)
    # `other` goes first, so that the phone and user id it gives `keep` are free (unique)
    other.delete()
    keep.save(update_fields=[*changed, "updated_at"])
    record_webhook(WebhookEvent.CONTACT_UPDATED, keep)
    contact_merged.send(sender=Contact, keep=keep, other_id=other_id)
    for conversation in open_rows:
        publish_conversation("conversation:update", conversation)
    return keep, len(moved_ids)


@retry_transient(3)  # a deadlock or lock timeout with a webhook: run it again
def _merge_atomic(keep_id: int, other_id: int, by: User | None) -> tuple[Contact, int]:
    with transaction.atomic():
        return _merge(keep_id, other_id, by)


def contact_merge(*, keep: Contact, other: Contact, by: User | None) -> Contact:
    """Merges `other` into `keep` (see the module's doc); answers `keep` as it is now."""
    if keep.pk == other.pk:
        raise InvalidInput.field("other_id", _("Un contacto no se puede unir consigo mismo."))
    if keep.sandbox != other.sandbox:
        raise InvalidInput.field(
            "other_id",
            _("Un contacto del teléfono de prueba no se puede unir con un cliente real."),
        )
    try:
        merged, moved = _merge_atomic(keep.pk, other.pk, by)
    except IntegrityError as error:  # a conversation opened for `keep` meanwhile on that line
        raise Conflict(
            _(
                "Los contactos cambiaron durante la unión (¿se abrió una conversación?); no se "
                "cambió nada. Probá de nuevo."
            )
        ) from error
    log.info(
        "contact %s merged into contact %s by user %s: %s conversations moved",
        other.pk,
        keep.pk,
        by.pk if by is not None else None,
        moved,
    )
    return merged


# --- duplicate suggestions -------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    first: Contact
    second: Contact
    reasons: tuple[str, ...]


def _argentine_forms(phone: str) -> set[str]:
    """Canonical phones an unverified Argentine number may be typed for: without the mobile 9,
    with a trunk 0, or with the mobile 15 after a 2 to 4 digit area code."""
    national = phone.removeprefix("+54")
    national = national.removeprefix("9").removeprefix("0")
    candidates = {national}
    if len(national) == 12:
        for area_digits in (2, 3, 4):
            if national[area_digits : area_digits + 2] == "15":
                candidates.add(national[:area_digits] + national[area_digits + 2 :])
    forms = set()
    for candidate in candidates:
        canonical = canonical_phone(f"+54{candidate}")
        if canonical is not None and canonical[1]:
            forms.add(canonical[0])
        forms.add(f"+549{candidate}")
        forms.add(f"+54{candidate}")
    forms.discard(phone)
    return forms


def _phone_pairs() -> set[tuple[int, int]]:
    irregular = list(
        Contact.objects.filter(phone__startswith="+54", phone_verified=False)
        .order_by("pk")
        .values_list("pk", "phone", "sandbox")[:IRREGULAR_SCAN]
    )
    wanted: dict[tuple[bool, str], set[int]] = {}
    for pk, phone, sandbox in irregular:
        for form in _argentine_forms(phone):
            wanted.setdefault((sandbox, form), set()).add(pk)
    pairs = set()
    forms = sorted({form for _sandbox, form in wanted})
    for start in range(0, len(forms), LOOKUP_CHUNK):
        holders = Contact.objects.filter(phone__in=forms[start : start + LOOKUP_CHUNK])
        for pk, phone, sandbox in holders.values_list("pk", "phone", "sandbox"):
            for other_pk in wanted.get((sandbox, phone), ()):
                if other_pk != pk:
                    pairs.add((min(pk, other_pk), max(pk, other_pk)))
    return pairs


def _dni_pairs(limit: int) -> set[tuple[int, int]]:
    shared = (
        Contact.objects.exclude(dni="")
        .values("dni", "sandbox")
        .annotate(holders=Count("pk"))
        .filter(holders__gt=1)
        .order_by("dni", "sandbox")
        .values_list("dni", flat=True)[:limit]
    )
    by_dni: dict[tuple[str, bool], list[int]] = {}
    rows = Contact.objects.filter(dni__in=list(shared)).order_by("pk")
    for dni, sandbox, pk in rows.values_list("dni", "sandbox", "pk"):
        by_dni.setdefault((dni, sandbox), []).append(pk)
    return {
        (first, second)
        for pks in by_dni.values()
        for index, first in enumerate(pks)
        for second in pks[index + 1 :]
    }


def duplicate_suggestions(*, limit: int = DUPLICATES_LIMIT) -> list[DuplicatePair]:
    """Pairs of contacts that may be one customer: the same DNI, or phones that differ only by
    the Argentine mobile 9, trunk 0 or mobile 15 (an unverified number next to its canonical
    form). At most `limit` pairs, by the first contact's id."""
    if not 1 <= limit <= DUPLICATES_LIMIT:
        raise InvalidInput.field(
            "limit", _("Usá un número de 1 a %(max)d.") % {"max": DUPLICATES_LIMIT}
        )
    reasons: dict[tuple[int, int], list[str]] = {}
    for pair in _dni_pairs(limit):
        reasons.setdefault(pair, []).append("dni")
    for pair in _phone_pairs():
        reasons.setdefault(pair, []).append("phone")
    chosen = sorted(reasons)[:limit]
    ids = {pk for pair in chosen for pk in pair}
    contacts = Contact.objects.select_related("area").in_bulk(ids)
    return [
        DuplicatePair(contacts[first], contacts[second], tuple(reasons[(first, second)]))
        for first, second in chosen
    ]
