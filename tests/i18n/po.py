"""A small reader of gettext catalogs (.po), enough for checking ours; no dependency needed."""

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(text for text in self.msgstr.values())


def _string(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path | str) -> list[Entry]:
    """The entries of a catalog, the header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    flags: set[str] = set()

    def finish():
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
                target = None
            continue
        if line.startswith("#,"):
            finish()
            flags = {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}: a string outside an entry: {raw!r}")
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _string(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _string(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (
            current is None or target is None or target[0] == "msgstr"
        ):
            finish()
            current = Entry(flags=flags)
            flags = set()
        if current is None:
            raise ValueError(f"{path}: {keyword} before msgid: {raw!r}")
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index] = _string(rest)
            target = ("msgstr", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _string(rest))
            target = (keyword, None)
        else:
            raise ValueError(f"{path}: unknown line {raw!r}")
    finish()
    return entries


def messages(path: Path | str) -> dict[tuple[str | None, str], Entry]:
    """The catalog's entries by (context, msgid), without the header."""
    return {entry.key: entry for entry in read_po(path) if not entry.is_header}
