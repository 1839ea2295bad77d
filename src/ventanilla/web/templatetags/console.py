"""Filters the console's templates share."""

from django import template

from ventanilla.contacts.phones import readable_phone
from ventanilla.inbound import sandbox

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """A stored (E.164) phone as people read it: +54 9 351 555-0101."""
    return readable_phone(value) if value else ""


@register.filter
def drives_sandbox(user) -> bool:
    """Whether the navigation links the sandbox phone for `user` (ADR 0018)."""
    return user.is_authenticated and sandbox.may_drive(user)
