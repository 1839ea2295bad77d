import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Área " and "area" fold alike."""
    if text.isascii():  # nothing to decompose (most words of a search's matching lines)
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control characters other than line breaks and tabs: they mean
    nothing in a WhatsApp message, and PostgreSQL refuses NUL in any text column."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text)
