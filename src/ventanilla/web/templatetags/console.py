"""Filters the console's templates share."""

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ventanilla.contacts.phones import readable_phone
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import declared
from ventanilla.web import whatsapp_text
from ventanilla.web.chat.row_html import row_html

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
def minutes(value: int | None) -> str:
    """A span of whole minutes as people say it: "45 min", "2 h", "1 h 30 min"; "" for none."""
    if not value:
        return ""
    hours, rest = divmod(value, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@register.filter
def whatsapp(text: str | None):
    """A message's text as WhatsApp shows it: links and formatting, escaped first (safe)."""
    return whatsapp_text.to_html(text or "")


@register.filter
def whatsapp_plain(text: str | None) -> str:
    """A message's text without WhatsApp's formatting markers (previews, quotes)."""
    return whatsapp_text.to_plain(text or "")


@dataclass(frozen=True)
class NavLink:
    section: str
    url: str
    label: str


# The screens an installation is set up with, visited now and then: the top bar keeps them in
# its "Configuración" menu so the daily ones and the session tools fit a laptop's width.
SETUP_SCREENS = [
    ("labels", "conversations.manage-labels", _("Etiquetas")),
    ("areas", "accounts.manage-areas", _("Áreas")),
    ("flows", "flows.edit", _("Flujos")),
    ("hours", "schedules.edit-hours", _("Horarios")),
    ("settings", "providers.manage-lines", _("Ajustes")),
]


@register.simple_tag
def setup_links(user) -> list[NavLink]:
    """The setup screens `user` may open, in the menu's order."""
    return [
        NavLink(section, reverse(section), str(label))
        for section, code, label in SETUP_SCREENS
        if may(user, code)
    ]


@register.filter
def chat_row(row) -> str:
    """A chat list row (web/chat/row_html.py)."""
    return row_html(row)
