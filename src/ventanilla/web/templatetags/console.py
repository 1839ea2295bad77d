"""Filters the console's templates share."""

from django import template

from ventanilla.contacts.phones import readable_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """A stored (E.164) phone as people read it: +54 9 351 555-0101."""
    return readable_phone(value) if value else ""
