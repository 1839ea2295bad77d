"""Message templates as Meta describes them (`components`), read without a database: the body's
text, its positional parameters (`{{1}}`, `{{2}}` ...), whether the desk can send the template,
the rendered text, and WhatsApp's limits on each parameter (docs/whatsapp.md#templates).

The desk sends templates whose only variables are in the body, positional, as text. Templates
with a media or location header, variables in the header or in a button's URL, or named
parameters are listed but not sendable from the desk (`unsupported_reason`).
"""

import re
from typing import Any

from django.utils.translation import gettext as _

from ventanilla.providers.values import as_text

PARAMETER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
NAMED_PARAMETER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")
PARAMETER_MAX = 1024  # characters of one body parameter (Graph API, template text parameters)
MAX_SPACES = 4  # more consecutive spaces than this are refused by WhatsApp (error 132018)
MEDIA_HEADERS = ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION")


def _components(components: Any) -> list[dict]:
    return [c for c in components if isinstance(c, dict)] if isinstance(components, list) else []


def _of_type(components: Any, kind: str) -> dict | None:
    for component in _components(components):
        if as_text(component.get("type")).upper() == kind:
            return component
    return None


def body_text(components: Any) -> str:
    body = _of_type(components, "BODY")
    return as_text(body.get("text")) if body else ""


def parameter_count(components: Any) -> int:
    """How many body parameters the template takes: its highest `{{n}}`."""
    numbers = [int(n) for n in PARAMETER.findall(body_text(components))]
    return max(numbers, default=0)


def unsupported_reason(components: Any) -> str:
    """Why the desk cannot send this template, or "" when it can."""
    header = _of_type(components, "HEADER")
    if header and as_text(header.get("format")).upper() in MEDIA_HEADERS:
        return _("Tiene un encabezado con archivo o ubicación.")
    if header and (
        PARAMETER.search(as_text(header.get("text")))
        or NAMED_PARAMETER.search(as_text(header.get("text")))
    ):
        return _("Tiene variables en el encabezado.")
    if NAMED_PARAMETER.search(body_text(components)):
        return _("Usa variables con nombre.")
    buttons = _of_type(components, "BUTTONS")
    for button in _components(buttons.get("buttons") if buttons else None):
        if PARAMETER.search(as_text(button.get("url"))):
            return _("Tiene un botón con una dirección variable.")
    return ""


def render(components: Any, parameters: list[str]) -> str:
    """The body as the customer reads it: each `{{n}}` replaced by the n-th parameter (a blank
    or missing one stays `{{n}}`, as the picker's preview shows it)."""

    def fill(match: re.Match) -> str:
        index = int(match.group(1)) - 1
        given = parameters[index] if 0 <= index < len(parameters) else ""
        return given or match.group(0)

    return PARAMETER.sub(fill, body_text(components))


def parameter_problem(value: Any) -> str:
    """Why WhatsApp would refuse this body parameter, or "" when it is fine."""
    if not isinstance(value, str) or not value.strip():
        return _("Completá este parámetro.")
    if len(value) > PARAMETER_MAX:
        return _("WhatsApp acepta hasta %(limit)d caracteres por parámetro.") % {
            "limit": PARAMETER_MAX
        }
    if "\n" in value or "\t" in value:
        return _("Un parámetro no puede tener saltos de línea ni tabulaciones.")
    if " " * (MAX_SPACES + 1) in value:
        return _("Un parámetro no puede tener más de %(n)d espacios seguidos.") % {"n": MAX_SPACES}
    return ""


def body_component(parameters: list[str]) -> list[dict]:
    """The `components` of a send: the body's parameters as text, in order (none: no part)."""
    if not parameters:
        return []
    return [
        {"type": "body", "parameters": [{"type": "text", "text": value} for value in parameters]}
    ]
