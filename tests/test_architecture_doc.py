"""docs/architecture.md's layers table, the import contract and the packages on disk agree."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
SOURCE = ROOT / "src" / "ventanilla"
ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`(ventanilla\.\w+)`\s*\|")


def documented() -> dict[int, list[str]]:
    """The layers table: layer number -> packages, in the order of the rows."""
    layers: dict[int, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if row := ROW.match(line):
            layers.setdefault(int(row[1]), []).append(row[2])
    return layers


def contracted() -> list[set[str]]:
    """The layers of the import contract, top first; `|` and `:` separate siblings."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    [layers] = [contract["layers"] for contract in contracts if contract["type"] == "layers"]
    return [{name.strip(" ()") for name in re.split(r"[|:]", layer)} for layer in layers]


def on_disk() -> set[str]:
    """Subpackages of src/ventanilla and its modules but __init__ and __main__."""
    packages = {path.parent.name for path in SOURCE.glob("*/__init__.py")}
    modules = {path.stem for path in SOURCE.glob("*.py") if not path.stem.startswith("__")}
    return {f"ventanilla.{name}" for name in packages | modules}


def test_the_doc_numbers_its_layers_from_the_top_without_gaps():
    layers = documented()

    assert sorted(layers) == list(range(1, len(layers) + 1))
    listed = [package for packages in layers.values() for package in packages]
    assert len(listed) == len(set(listed)), "a package listed twice in docs/architecture.md"


def test_the_doc_lists_the_layers_of_the_import_contract():
    layers = documented()

    assert [set(layers[number]) for number in sorted(layers)] == contracted(), (
        "docs/architecture.md's layers table and pyproject.toml's import contract differ"
    )


def test_every_package_on_disk_has_a_layer_and_every_layer_a_package():
    in_contract = set().union(*contracted())

    assert on_disk() - in_contract == set(), "packages without a layer in pyproject.toml"
    assert in_contract - on_disk() == set(), "layers naming packages that do not exist"
    assert on_disk() == {package for packages in documented().values() for package in packages}
