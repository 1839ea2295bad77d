"""How a customer's answer is compared with menu options (docs/product.md#bot-flows).

Both sides are normalised: lower case, accents removed, punctuation and emoji as spaces, keycap
digits ("1️⃣") as digits. An answer picks an option by its interactive reply id, by being equal to
one of its trigger alternatives or its label, or by starting with its number ("1", "1.", "1 hola").
"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol, TypeVar

_KEYCAP_MARKS = {0xFE0F: None, 0x20E3: None}  # "1️⃣" is "1" + VS16 + COMBINING ENCLOSING KEYCAP
_KEYCAP_TEN = "\N{KEYCAP TEN}"  # 🔟, one code point with no decomposition
_LEADING_NUMBER = re.compile(r"(\d+)")


class Option(Protocol):
    id: int
    key: str
    trigger: str
    label: str


OptionT = TypeVar("OptionT", bound=Option)


def normalise(text: str) -> str:
    """The form answers and triggers are compared in: "¡SÓPORTE! 👍" -> "soporte"."""
    text = (text or "").translate(_KEYCAP_MARKS).replace(_KEYCAP_TEN, " 10 ")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (
        ch if ch.isalnum() else " " for ch in decomposed.casefold() if not unicodedata.combining(ch)
    )
    folded = unicodedata.normalize("NFKD", "".join(kept))  # casefold may compose again ("İ")
    return " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).split())


def alternatives(trigger: str) -> list[str]:
    """The non-empty comma-separated parts of a trigger, as typed (trimmed)."""
    return [part.strip() for part in (trigger or "").split(",") if part.strip()]


def match_keys(trigger: str, label: str = "") -> set[str]:
    """The normalised answers that pick an option by name: its trigger alternatives and label."""
    keys = {normalise(part) for part in alternatives(trigger)}
    keys.add(normalise(label))
    keys.discard("")
    return keys


def leading_number(text: str) -> int | None:
    """The number an answer starts with, if any: "2)" -> 2, "1️⃣ hola" -> 1, "hola 1" -> None."""
    found = _LEADING_NUMBER.match(normalise(text))
    if found is None or len(found.group(1)) > 6:
        return None
    return int(found.group(1))


def match_option(
    options: Sequence[OptionT], text: str, reply_id: str | None = None
) -> OptionT | None:
    """The option an answer picks, or None; earlier rules win over later ones."""
    if reply_id:
        for option in options:
            if reply_id in (option.key, str(option.id)):
                return option
    answer = normalise(text)
    if not answer:
        return None
    for option in options:
        if answer in match_keys(option.trigger, option.label):
            return option
    number = leading_number(answer)
    if number is not None and 1 <= number <= len(options):
        return options[number - 1]
    return None
