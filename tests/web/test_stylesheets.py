"""The console's stylesheets are well formed.

A rule that loses its closing brace (a merge does it easily) swallows every rule after it as a
nested one: browsers then apply them only in odd places, and the screen breaks far from the
edit. Plain CSS has no nesting here, so a block inside a style rule is always that mistake.
"""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "ventanilla" / "web" / "static" / "web"
STYLESHEETS = sorted(STATIC.glob("*.css"))
GROUPING_AT_RULES = ("@media", "@supports", "@layer", "@container", "@keyframes", "@font-face")


def structure_errors(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    errors = []
    stack: list[str] = []
    prelude_start = 0
    for index, char in enumerate(text):
        if char == "{":
            prelude = text[prelude_start:index].strip()
            line = text.count("\n", 0, index) + 1
            if stack and not stack[-1].startswith(GROUPING_AT_RULES):
                errors.append(f"line {line}: {prelude!r} opens inside {stack[-1]!r}")
            stack.append(prelude)
            prelude_start = index + 1
        elif char == "}":
            if not stack:
                errors.append(f"line {text.count(chr(10), 0, index) + 1}: '}}' closes nothing")
            else:
                stack.pop()
            prelude_start = index + 1
        elif char == ";":
            prelude_start = index + 1
    errors.extend(f"{prelude!r} is never closed" for prelude in stack)
    return errors


def test_the_check_finds_a_lost_brace():
    assert structure_errors(".a { color: red; }\n.b { margin: 0; }") == []
    assert structure_errors("@media (width < 600px) { .a { color: red; } }") == []
    broken = ".a { color: red;\n/* next */\n.b { margin: 0; }\n"
    assert structure_errors(broken) == [
        "line 3: '.b' opens inside '.a'",
        "'.a' is never closed",
    ]


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=lambda path: path.name)
def test_every_rule_is_closed_before_the_next_opens(stylesheet):
    assert structure_errors(stylesheet.read_text()) == []


def test_there_are_stylesheets_to_check():
    assert len(STYLESHEETS) >= 10
