"""Reads for contacts that need no visibility rule (see conversations.contact_selectors)."""

import re

from django.db.models import Q, QuerySet

from ventanilla.contacts.models import Contact
from ventanilla.contacts.phones import canonical_phone

# A query made only of digits and what people type around them reads as a phone or a DNI.
_NUMBERISH = re.compile(r"\+?[0-9\s().\-/]*[0-9][0-9\s().\-/]*")


def contact_search_filter(q: str, *, prefix: str = "") -> Q:
    """Contacts whose name contains `q`, or whose phone or DNI contains its digits.

    `prefix` reaches the contact through a relation: "contact__" filters conversations."""
    q = " ".join("".join(ch for ch in q or "" if ch.isprintable() or ch.isspace()).split())
    if not q:
        return Q()
    condition = Q(**{f"{prefix}name__icontains": q})
    if _NUMBERISH.fullmatch(q):
        digits = re.sub(r"[^0-9]", "", q)
        condition |= Q(**{f"{prefix}phone__contains": digits})
        condition |= Q(**{f"{prefix}dni__contains": digits})
        canonical = canonical_phone(q)
        if canonical is not None:  # "0351 15 555 1111" finds +5493515551111
            condition |= Q(**{f"{prefix}phone": canonical[0]})
    return condition


def contact_list(*, q: str = "") -> QuerySet[Contact]:
    return Contact.objects.select_related("area").filter(contact_search_filter(q))
