"""The shipped catalogs: complete, in step with the sources, compiled.

These fail on purpose when a change adds, changes or removes a marked text without updating the
catalogs: run `make messages`, give every new entry its msgstr in both catalogs (Spanish repeats
the msgid, English translates it) and `make compilemessages` (docs/adr/0014-languages.md).
"""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.i18n.po import messages, read_po

SOURCE = Path(settings.BASE_DIR)  # src/ventanilla
LOCALE = SOURCE / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
FIX = "run `make messages`, translate, then `make compilemessages` (docs/adr/0014-languages.md)"


def catalog(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msgfmt") if not shutil.which(tool)]
    if missing:
        pytest.fail(f"GNU gettext is missing ({', '.join(missing)}): `make gettext` installs it")


def test_the_shipped_languages_have_catalogs():
    assert LANGUAGES == ["es", "en"]
    assert settings.LOCALE_PATHS == [LOCALE]
    for language in LANGUAGES:
        assert catalog(language).is_file(), catalog(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    entries = read_po(catalog(language))
    header, rest = entries[0], entries[1:]

    assert header.is_header
    assert not header.is_fuzzy, "the header is marked fuzzy: msgfmt would drop it"
    assert f"Language: {language}\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=" in header.msgstr[0]
    untranslated = [entry.msgid for entry in rest if not entry.is_translated]
    fuzzy = [entry.msgid for entry in rest if entry.is_fuzzy]
    assert untranslated == [], f"untranslated in {language}: {FIX}"
    assert fuzzy == [], f"fuzzy in {language} (check the msgstr, then drop the flag): {FIX}"
    assert len(rest) > 400


def test_the_spanish_catalog_repeats_the_spanish_sources():
    """Sources are Spanish: their es msgstr is the msgid itself, so a text that is not Spanish
    (or a typo fixed in one place only) shows up here."""
    different = [
        (entry.msgid, entry.msgstr)
        for entry in messages(catalog("es")).values()
        if entry.msgstr[0] != entry.msgid
        or (entry.msgid_plural is not None and entry.msgstr.get(1) != entry.msgid_plural)
    ]
    assert different == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogs_pass_msgfmt_format_checks(language):
    _gettext_tools()
    result = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(catalog(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_marked_text_is_in_the_catalogs_and_nothing_else(tmp_path, monkeypatch):
    """Extracts the sources afresh (what `make messages` does) and compares the msgids."""
    _gettext_tools()
    copy = tmp_path / "ventanilla"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("locale", "__pycache__", "vendor", "*.css", "*.png"),
    )
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["es"], no_location=True, verbosity=0)
    extracted = set(messages(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))

    for language in LANGUAGES:
        committed = set(messages(catalog(language)))
        missing = sorted(msgid for _context, msgid in extracted - committed)
        stale = sorted(msgid for _context, msgid in committed - extracted)
        assert missing == [], f"marked in the sources, not in the {language} catalog: {FIX}"
        assert stale == [], f"in the {language} catalog, no longer in the sources: {FIX}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogs_match_the_sources(language):
    compiled = catalog(language).with_suffix(".mo")
    assert compiled.is_file(), f"{compiled} is missing: `make compilemessages` (make test does)"
    with compiled.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages(catalog(language)).values():
        if entry.msgid_plural is None:
            if translations.gettext(entry.msgid) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif translations.ngettext(entry.msgid, entry.msgid_plural, 1) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert stale == [], f"{compiled} is older than its .po: `make compilemessages`"
