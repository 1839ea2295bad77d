"""What each provider declares it can do, and the session each one runs."""

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
