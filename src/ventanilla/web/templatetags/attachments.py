"""`{% attachment_limits %}`: WhatsApp's limits per kind of file, as the JSON the composer's
chat/attachments.js checks before uploading (the server checks them again)."""

from django import template
from django.utils.html import json_script

from ventanilla.core.attachments import accept_text, limits_for_browser

register = template.Library()


@register.simple_tag
def attachment_limits() -> str:
    return json_script(limits_for_browser(), "attachment-limits")


@register.simple_tag
def attachment_accept() -> str:
    """The file picker's `accept`: every extension and mime type WhatsApp takes."""
    return accept_text()
