import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Área " and "area" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
