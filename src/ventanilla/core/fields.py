"""What the services that check every field before they write share."""

from ventanilla.core.errors import (
    InvalidInput,
    blank_text,
    control_characters_text,
    max_length_text,
)
from ventanilla.core.text import has_control_characters

UNSET = object()  # a keyword left out of a partial update, unlike one given as None


class FieldErrors:
    """Collects field messages so one answer names every problem at once."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            first_field, messages = next(iter(self.errors.items()))
            raise InvalidInput(f"{first_field}: {messages[0]}", self.errors)


def checked_text(
    errors: FieldErrors, value, limit: int, field: str = "name", *, one_line: bool = True
) -> str:
    """A text the person typed (a name of a contact, area, label, token or closed day; a quick
    reply's title or text): trimmed, and with its spaces collapsed when it is `one_line`; then not
    blank, without control characters and at most `limit` characters, each problem added to
    `errors` under `field`. Returns the cleaned text."""
    if not isinstance(value, str):
        value = ""
    value = " ".join(value.split()) if one_line else value.strip()
    if not value:
        errors.add(field, blank_text())
    elif has_control_characters(value):
        errors.add(field, control_characters_text())
    elif len(value) > limit:
        errors.add(field, max_length_text(limit))
    return value


MAX_ID = 2**63 - 1  # the largest id any of our databases stores (SQLite cannot even bind more)


def id_from_text(text: str) -> int | None:
    """The id a text spells in ASCII digits (1 to MAX_ID); None for anything else ("²" is a
    digit to `str.isdigit` that `int` refuses)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
