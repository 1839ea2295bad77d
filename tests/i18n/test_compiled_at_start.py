"""The catalogs work however the server starts: a .mo missing or older than its .po is compiled
when settings load, in Python, into the package's locale dir or, when that cannot be written,
into the data dir (ventanilla.core.catalogs)."""

import gettext
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.i18n.po import messages
from tests.servers import serving
from ventanilla.core import catalogs

SOURCE = Path(settings.BASE_DIR)  # src/ventanilla
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _po_files_only(tmp_path: Path) -> Path:
    """A locale dir holding the committed .po files and no .mo, as a fresh checkout has."""
    locale = tmp_path / "locale"
    for language in LANGUAGES:
        (locale / language / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(
            SOURCE / "locale" / language / "LC_MESSAGES" / "django.po",
            locale / language / "LC_MESSAGES" / "django.po",
        )
    return locale


def _sign_in_page(language: str) -> str:
    return Client().get("/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_without_compiled_catalogs_english_keeps_the_spanish_texts(tmp_path, db):
    # the failure the start-up step prevents: Django accepts "en" but has no catalog for it
    with override_settings(LOCALE_PATHS=[_po_files_only(tmp_path)]):
        page = _sign_in_page("en")

    assert 'lang="en"' in page
    assert "Ingresá a la mesa de atención" in page


def test_missing_catalogs_are_compiled_in_place_and_english_is_english(tmp_path, db):
    # given a locale dir with .po files only
    locale = _po_files_only(tmp_path)

    # when settings ask for the locale paths
    paths = catalogs.compiled_locale_paths(locale, fallback=tmp_path / "data" / "locale")

    # then every catalog is compiled beside its .po, and an English request reads English
    assert paths == [locale]
    assert not (tmp_path / "data").exists()
    for language in LANGUAGES:
        assert (locale / language / "LC_MESSAGES" / "django.mo").is_file()
    with override_settings(LOCALE_PATHS=paths):
        english, spanish = _sign_in_page("en"), _sign_in_page("es")
    assert 'lang="en"' in english
    assert "Sign in to the service desk" in english
    assert "Ingresá a la mesa de atención" not in english
    assert "Ingresá a la mesa de atención" in spanish


def test_a_locale_dir_that_cannot_be_written_is_compiled_into_the_data_dir(
    tmp_path, db, monkeypatch
):
    # given a locale dir with .po files only that cannot be written (tests run as root, whom
    # file modes do not stop: the write itself is refused)
    locale = _po_files_only(tmp_path)
    write = catalogs.compile_catalog

    def read_only(po, mo, *, mode):
        if locale in mo.parents:
            raise PermissionError(13, "Read-only file system", str(mo))
        write(po, mo, mode=mode)

    monkeypatch.setattr(catalogs, "compile_catalog", read_only)
    data = tmp_path / "data"

    # when settings ask for the locale paths
    paths = catalogs.compiled_locale_paths(locale, fallback=data / "locale")

    # then the catalogs are compiled under the data dir, private like the rest of it, and that
    # dir is the one Django reads
    assert paths == [data / "locale"]
    assert list(locale.rglob("*.mo")) == []
    for language in LANGUAGES:
        compiled = data / "locale" / language / "LC_MESSAGES" / "django.mo"
        assert compiled.stat().st_mode & 0o777 == 0o600
        assert compiled.parent.stat().st_mode & 0o777 == 0o700
    with override_settings(LOCALE_PATHS=paths):
        assert "Sign in to the service desk" in _sign_in_page("en")


def test_a_catalog_older_than_its_po_is_compiled_again_and_a_fresh_one_is_left_alone(tmp_path):
    locale = _po_files_only(tmp_path)
    catalogs.compiled_locale_paths(locale, fallback=tmp_path / "data")
    english = locale / "en" / "LC_MESSAGES" / "django.mo"
    spanish = locale / "es" / "LC_MESSAGES" / "django.mo"
    po = english.with_suffix(".po")
    # an English text changed after the catalogs were compiled
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Sign in"', 'msgstr "Log in"'),
        encoding="utf-8",
    )
    os.utime(english, (time.time() - 60, time.time() - 60))
    os.utime(spanish, (time.time() + 60, time.time() + 60))
    spanish_before = spanish.stat().st_mtime_ns

    catalogs.compiled_locale_paths(locale, fallback=tmp_path / "data")

    with english.open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Ingresar") == "Log in"
    assert spanish.stat().st_mtime_ns == spanish_before


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_holds_every_entry_of_the_po(language, tmp_path):
    locale = _po_files_only(tmp_path)
    catalogs.compiled_locale_paths(locale, fallback=tmp_path / "data")
    po = locale / language / "LC_MESSAGES" / "django.po"

    with po.with_suffix(".mo").open("rb") as handle:
        translations = gettext.GNUTranslations(handle)

    assert translations.info()["language"] == language
    for entry in messages(po).values():
        if entry.msgid_plural is None:
            assert translations.gettext(entry.msgid) == entry.msgstr[0]
        else:
            for n in (1, 2, 1_000_000):
                expected = entry.msgstr[translations.plural(n)]
                assert translations.ngettext(entry.msgid, entry.msgid_plural, n) == expected


def test_the_compiled_catalog_is_the_one_msgfmt_makes(tmp_path):
    if not shutil.which("msgfmt"):
        pytest.fail("GNU gettext is missing (msgfmt): `make gettext` installs it")
    locale = _po_files_only(tmp_path)
    catalogs.compiled_locale_paths(locale, fallback=tmp_path / "data")

    for language in LANGUAGES:
        po = locale / language / "LC_MESSAGES" / "django.po"
        reference = tmp_path / f"{language}.mo"
        subprocess.run(["msgfmt", "-o", str(reference), str(po)], check=True)
        with po.with_suffix(".mo").open("rb") as ours, reference.open("rb") as theirs:
            assert gettext.GNUTranslations(ours)._catalog == (
                gettext.GNUTranslations(theirs)._catalog
            )


def test_serve_without_make_answers_english_in_english(tmp_path):
    # given the package as a checkout has it, without compiled catalogs and without make
    copy = tmp_path / "src" / "ventanilla"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    assert list(copy.rglob("*.mo")) == []

    # when `ventanilla serve` starts from it
    with serving(tmp_path, PYTHONPATH=str(tmp_path / "src")) as (base, _):
        # then a browser asking for English gets the console in English
        english = httpx.get(f"{base}/login/", headers={"Accept-Language": "en"}).text
        spanish = httpx.get(f"{base}/login/", headers={"Accept-Language": "es"}).text
    assert 'lang="en"' in english
    assert "Sign in to the service desk" in english
    assert "Ingresá a la mesa de atención" in spanish
    assert sorted(path.parent.parent.name for path in copy.rglob("*.mo")) == sorted(LANGUAGES)
