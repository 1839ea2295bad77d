"""Errors raised by services and selectors; the API and the console turn them into answers.

Their texts are for people: written in Spanish, marked for translation and rendered in the language
active when they are raised (the user's, see accounts.middleware). Field names stay as they are.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class DomainError(Exception):
    status = 400

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        detail = str(detail)  # a lazy translation becomes text in the language active now
        super().__init__(detail)
        self.detail = detail
        self.errors = {
            field: [str(text) for text in texts] for field, texts in (errors or {}).items()
        }


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable; names the fields and why."""

    status = 422

    @classmethod
    def field(cls, name: str, message: str) -> "InvalidInput":
        return cls(message, {name: [message]})


class Unauthorized(DomainError):
    """Not signed in (yet): a sign-in that still lacks something, such as its second factor."""

    status = 401


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    """A file or body over a limit; names the field and the limit."""

    status = 413

    @classmethod
    def field(cls, name: str, message: str) -> "TooLarge":
        return cls(message, {name: [message]})


class BadGateway(DomainError):
    """A service the desk depends on (WhatsApp's) could not answer what was asked."""

    status = 502


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


# --- Texts several services share ------------------------------------------------------------


def blank_text() -> str:
    return _("Este campo no puede quedar vacío.")


def required_text() -> str:
    return _("Este campo es obligatorio.")


def null_text() -> str:
    return _("Este campo no puede ser nulo.")


def max_length_text(limit: int) -> str:
    return ngettext(
        "Usá como máximo %(limit)d carácter.", "Usá como máximo %(limit)d caracteres.", limit
    ) % {"limit": limit}


def unknown_area_text(area_id: object) -> str:
    return _("No existe el área con id %(id)s.") % {"id": area_id}


def control_characters_text() -> str:
    return _("Tiene caracteres de control: sacalos y volvé a intentar.")
