"""What each provider declares it can do, and the session each one runs."""

from dataclasses import fields
from pathlib import Path

import pytest

from ventanilla.providers import capabilities, sessions
from ventanilla.providers.models import Line, Provider


def test_every_provider_declares_its_capabilities_and_its_session():
    assert set(capabilities.BY_PROVIDER) == set(Provider.values)
    assert set(sessions.SESSIONS) == set(Provider.values)


@pytest.mark.parametrize(
    ("provider", "menus", "window", "echo"),
    [
        ("cloud", True, True, True),
        ("wppconnect", False, False, False),
        ("sandbox", False, False, False),
    ],
)
def test_a_line_can_do_what_its_provider_declares(provider, menus, window, echo):
    can = capabilities.of(Line(provider=provider))

    assert (can.interactive_menus, can.customer_service_window, can.echoes_send_reference) == (
        menus,
        window,
        echo,
    )


def test_a_line_of_an_unknown_provider_can_do_nothing_special():
    assert capabilities.of(Line(provider="carrier-pigeon")) == capabilities.NOTHING_SPECIAL


def test_the_table_in_docs_whatsapp_is_the_declaration():
    text = (Path(__file__).parents[2] / "docs" / "whatsapp.md").read_text()
    section = text.split("## What each way can do", 1)[1].split("\n## ", 1)[0]
    columns = {
        "Cloud API": Provider.CLOUD,
        "WPPConnect": Provider.WPPCONNECT,
        "Sandbox": Provider.SANDBOX,
    }
    header, *rows = [line for line in section.splitlines() if line.startswith("| ")]
    providers = [columns[cell.strip()] for cell in header.split("|")[2:5]]
    documented = {}
    for row in rows:
        name, *cells = [cell.strip() for cell in row.split("|")[1:5]]
        for provider, cell in zip(providers, cells, strict=True):
            documented.setdefault(provider, {})[name.strip("`")] = cell == "yes"

    declared = {
        provider: {field.name: getattr(can, field.name) for field in fields(can)}
        for provider, can in capabilities.BY_PROVIDER.items()
    }
    assert documented == declared
