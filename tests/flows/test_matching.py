import pytest

from ventanilla.flows.engine import TreeNode
from ventanilla.flows.matching import leading_number, match_option, normalise


def _option(n: int, label: str, trigger: str = "") -> TreeNode:
    return TreeNode(
        id=100 + n,
        key=f"key{n}",
        parent_id=1,
        order=n,
        type="message",
        text="x",
        trigger=trigger,
        label=label,
    )


OPTIONS = [
    _option(1, "Soporte", "soporte, ayuda técnica"),
    _option(2, "Ventas", "ventas,comprar"),
    _option(3, "Mi nombre", "nombre"),
    _option(4, "Nada más", "salir, chau"),
]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Hola", "hola"),
        ("  ¡SÓPORTE!  ", "soporte"),
        ("Ñandú", "nandu"),
        ("1️⃣", "1"),
        ("1️⃣2️⃣", "12"),
        ("🔟", "10"),
        ("2)", "2"),
        ("1. hola", "1 hola"),
        ("👍🙂", ""),
        ("", ""),
        ("ayuda\ttécnica\n", "ayuda tecnica"),
        ("\uff21\uff22\uff23\uff11", "abc1"),
        ("mi-dni: 12.345.678", "mi dni 12 345 678"),
        ("a\u200db", "a b"),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1", 1),
        ("2)", 2),
        ("3.", 3),
        ("1 hola", 1),
        ("1hola", 1),
        ("1️⃣", 1),
        ("hola 1", None),
        ("", None),
        ("🙂", None),
        ("12345678901", None),
    ],
)
def test_leading_number(text, expected):
    assert leading_number(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1", "Soporte"),
        ("1.", "Soporte"),
        ("1️⃣", "Soporte"),
        ("1 hola", "Soporte"),
        ("1) quiero ayuda", "Soporte"),
        ("Soporte", "Soporte"),
        ("SOPORTE!", "Soporte"),
        ("sóporte", "Soporte"),
        ("  soporte  ", "Soporte"),
        ("Ayuda Técnica", "Soporte"),
        ("2)", "Ventas"),
        ("2️⃣", "Ventas"),
        ("COMPRAR", "Ventas"),
        ("mi nombre", "Mi nombre"),
        ("3", "Mi nombre"),
        ("nada mas", "Nada más"),
        ("Chau!!", "Nada más"),
        ("4", "Nada más"),
        ("", None),
        ("   ", None),
        ("99", None),
        ("5", None),
        ("0", None),
        ("12", None),
        ("🔟", None),
        ("👍🙂😀", None),
        ("quiero soporte", None),
        ("soporte ventas", None),
        ("hola 1", None),
        ("x" * 5000, None),
        ("2" + " hola" * 999, "Ventas"),
    ],
)
def test_an_answer_picks_the_option(text, expected):
    chosen = match_option(OPTIONS, text, None)

    assert (chosen.label if chosen else None) == expected


@pytest.mark.parametrize(
    "reply_id,text,expected",
    [
        ("key3", "", "Mi nombre"),
        ("key3", "1", "Mi nombre"),  # the tapped id wins over the text
        ("104", "Soporte", "Nada más"),  # a node id works too
        ("key9", "2", "Ventas"),  # an unknown id falls back to the text
        ("key9", "nada", None),
        ("", "1", "Soporte"),
    ],
)
def test_an_interactive_reply_picks_by_id(reply_id, text, expected):
    chosen = match_option(OPTIONS, text, reply_id)

    assert (chosen.label if chosen else None) == expected


def test_a_trigger_wins_over_another_options_number():
    # given option 2 answers to "1" by trigger
    options = [_option(1, "Uno"), _option(2, "Dos", "1, uno mas")]

    # then "1" is option 2, while "1." normalises the same and "1 x" goes by number
    assert match_option(options, "1", None).label == "Dos"
    assert match_option(options, "1.", None).label == "Dos"
    assert match_option(options, "1 x", None).label == "Uno"
