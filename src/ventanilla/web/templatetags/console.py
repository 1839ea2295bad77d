"""Filters the console's templates share."""

from django import template

from ventanilla.contacts.phones import readable_phone
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import declared
from ventanilla.web import whatsapp_text

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """A stored (E.164) phone as people read it: +54 9 351 555-0101."""
    return readable_phone(value) if value else ""


@register.filter
def may(user, code: str) -> bool:
    """Whether `user` has the permission named `code` (a domain's `permissions` module declares
    it); what this installation does not have, nobody may use."""
    try:
        return declared(code).grants(user)
    except NotFound:
        return False


@register.filter
def whatsapp(text: str | None):
    """A message's text as WhatsApp shows it: links and formatting, escaped first (safe)."""
    return whatsapp_text.to_html(text or "")


@register.filter
def whatsapp_plain(text: str | None) -> str:
    """A message's text without WhatsApp's formatting markers (previews, quotes)."""
    return whatsapp_text.to_plain(text or "")
