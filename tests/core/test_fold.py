"""`core.text.fold`: its shortcut for ASCII text gives what the full path gives."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ventanilla.core.text import fold


def _full(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_folds_as_the_full_path_folds_it(text):
    assert fold(text) == _full(text)


def test_accents_and_case_fold_away():
    assert fold("  Área  de FACTURACIÓN ") == "area de facturacion"
    assert fold("ﬁn") == "fin"  # NFKD: the ligature is two letters
