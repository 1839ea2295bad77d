"""The one check of a typed text that names (contacts, areas, labels, tokens, closed days) and
quick replies share."""

import pytest

from ventanilla.core.fields import FieldErrors, checked_text

BLANK = "Este campo no puede quedar vacío."
CONTROL = "Tiene caracteres de control: sacalos y volvé a intentar."


@pytest.mark.parametrize(
    ("given", "kept", "problem"),
    [
        ("  Ana   María  ", "Ana María", None),
        ("Ana\tMaría\n", "Ana María", None),
        ("", "", BLANK),
        ("   \n\t", "", BLANK),
        (None, "", BLANK),
        (7, "", BLANK),
        ("So\x1bporte", "So\x1bporte", CONTROL),
        ("x" * 11, "x" * 11, "Usá como máximo 10 caracteres."),
        ("x" * 10, "x" * 10, None),
    ],
)
def test_a_name_is_collapsed_then_checked(given, kept, problem) -> None:
    errors = FieldErrors()
    assert checked_text(errors, given, 10, field="nombre") == kept
    assert errors.errors == ({"nombre": [problem]} if problem else {})


def test_a_text_of_several_lines_keeps_its_lines() -> None:
    errors = FieldErrors()
    kept = checked_text(errors, "  Hola {nombre},\n\ngracias.  ", 100, "text", one_line=False)
    assert kept == "Hola {nombre},\n\ngracias."
    assert errors.errors == {}
