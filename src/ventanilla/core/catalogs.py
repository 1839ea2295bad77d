"""The translation catalogs compiled when a process starts, however it starts.

The .po files are committed and `make` compiles them with GNU msgfmt, but `uv run ventanilla
serve`, a server started another way or a machine without gettext must not depend on that: without
a .mo, Django keeps the Spanish source texts whatever language is asked for. So settings ask here
for the locale directories to use, and a .mo missing or older than its .po is compiled first, in
pure Python: into the package's locale directory when it is writable, else into a directory of
the data dir (docs/adr/0014-languages.md).
"""

import ast
import logging
import os
import struct
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

MO_MAGIC = 0x950412DE
CONTEXT_SEPARATOR = "\x04"


def _literal(token: str, path: Path) -> str:
    value = ast.literal_eval(token)
    if not isinstance(value, str):
        raise ValueError(f"{path}: not a string: {token!r}")
    return value


def read_po(path: Path) -> dict[str, str]:
    """The catalog as a .mo holds it: msgid (with its context and plural) -> msgstr(s).
    Like msgfmt: fuzzy, untranslated and obsolete (#~) entries are left out."""
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    fuzzy = next_fuzzy = False
    field = None

    def finish() -> None:
        nonlocal entry, field
        if "msgid" in entry:
            key = entry["msgid"]
            if "msgid_plural" in entry:
                key += "\x00" + entry["msgid_plural"]
            if "msgctxt" in entry:
                key = entry["msgctxt"] + CONTEXT_SEPARATOR + key
            forms = sorted((name for name in entry if name.startswith("msgstr")), key=_form)
            translations = [entry[name] for name in forms]
            if translations and all(translations) and not fuzzy:
                messages[key] = "\x00".join(translations)
        entry, field = {}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,"):
            next_fuzzy = next_fuzzy or "fuzzy" in {flag.strip() for flag in line[2:].split(",")}
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if field is None:
                raise ValueError(f"{path}: a string outside an entry: {raw!r}")
            entry[field] += _literal(line, path)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (field is None or field.startswith("msgstr")):
            finish()
            fuzzy, next_fuzzy = next_fuzzy, False
        if keyword not in ("msgctxt", "msgid", "msgid_plural") and not keyword.startswith("msgstr"):
            raise ValueError(f"{path}: unknown line {raw!r}")
        field = keyword
        entry[field] = _literal(rest, path)
    finish()
    return messages


def _form(name: str) -> int:
    """msgstr -> 0, msgstr[2] -> 2."""
    return int(name[7:-1]) if name.startswith("msgstr[") else 0


def mo_bytes(messages: dict[str, str]) -> bytes:
    """A GNU .mo file (little-endian, no hash table) holding `messages`."""
    keys = sorted(messages, key=lambda key: key.encode())
    originals = [key.encode() for key in keys]
    translations = [messages[key].encode() for key in keys]
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + 8 * count
    data_at = translations_at + 8 * count
    table, data = [], bytearray()
    for text in originals + translations:
        table.append((len(text), data_at + len(data)))
        data += text + b"\x00"
    header = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, data_at)
    return header + b"".join(struct.pack("<2I", *pair) for pair in table) + bytes(data)


def _fresh(mo: Path, po: Path) -> bool:
    try:
        return mo.stat().st_mtime >= po.stat().st_mtime and os.access(mo, os.R_OK)
    except FileNotFoundError:
        return False


def _make_dirs(path: Path, mode: int) -> None:
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=mode, exist_ok=True)


def compile_catalog(po: Path, mo: Path, *, mode: int) -> None:
    """Writes `po` compiled to `mo` at once (a reader never sees half a file); OSError when the
    directory cannot be written."""
    data = mo_bytes(read_po(po))
    descriptor, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".", suffix=".mo")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def compiled_locale_paths(source: Path, fallback: Path) -> list[Path]:
    """LOCALE_PATHS whose .mo files are those of `source`'s .po files: `source` itself, its stale
    or missing .mo compiled in place; when that directory cannot be written, `fallback` (a
    directory of the data dir) with every catalog compiled there. When neither can be written,
    `source` as it is, and a warning."""
    catalogs = sorted(source.glob("*/LC_MESSAGES/*.po"))
    try:
        for po in catalogs:
            if not _fresh(po.with_suffix(".mo"), po):
                compile_catalog(po, po.with_suffix(".mo"), mode=po.stat().st_mode & 0o777)
        return [source]
    except OSError:
        pass
    try:
        for po in catalogs:
            mo = fallback / po.relative_to(source).with_suffix(".mo")
            if not _fresh(mo, po):
                _make_dirs(mo.parent, 0o700)  # the data dir is for this user alone
                compile_catalog(po, mo, mode=0o600)
        return [fallback]
    except OSError as error:
        log.warning("translations could not be compiled (%s): pages stay in Spanish", error)
        return [source]
