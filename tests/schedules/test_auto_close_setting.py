"""The stored auto-close setting: environment defaults, saving, validation, going back."""

from decimal import Decimal

import pytest

from ventanilla.core.errors import InvalidInput
from ventanilla.schedules import services
from ventanilla.schedules.models import AutoCloseSetting
from ventanilla.schedules.selectors import auto_close_get

ENV_MESSAGE = "Cerramos esta conversación por inactividad. Escribinos cuando quieras."


def _values():
    current = auto_close_get()
    return current.minutes, current.message, current.minutes_saved, current.message_saved


def test_without_a_saved_value_the_environment_applies(db, settings):
    # given nothing saved and the environment's values
    settings.AUTO_CLOSE_MINUTES = 45.5
    settings.AUTO_CLOSE_MESSAGE = "Chau"
    # when the setting is read, then it is the environment's
    assert _values() == (Decimal("45.5"), "Chau", False, False)
    assert auto_close_get().enabled


def test_saved_values_win_over_the_environment(admin):
    # given an admin saves both values
    services.auto_close_update(by=admin, minutes=Decimal("90"), message="  Hasta pronto  ")
    # when the setting is read, then they apply, trimmed, with who saved them
    assert _values() == (Decimal("90"), "Hasta pronto", True, True)
    assert auto_close_get().updated_by == admin
    assert auto_close_get().updated_at is not None


def test_one_field_saved_the_other_follows_the_environment(admin, settings):
    # given only the minutes are saved
    services.auto_close_update(by=admin, minutes=12)
    settings.AUTO_CLOSE_MESSAGE = "Texto del entorno"
    # when the setting is read, then the message is still the environment's
    assert _values() == (Decimal("12"), "Texto del entorno", True, False)


def test_zero_turns_it_off(admin):
    services.auto_close_update(by=admin, minutes=0, message="x")

    assert auto_close_get().minutes == 0
    assert not auto_close_get().enabled


@pytest.mark.parametrize("minutes", [0.5, Decimal("0.01"), 1440, Decimal("1439.99")])
def test_limits_that_are_accepted(admin, minutes):
    services.auto_close_update(by=admin, minutes=minutes)

    assert auto_close_get().minutes == Decimal(str(minutes))


NOT_A_NUMBER = "Escribí un número de minutos."
NEGATIVE = "Usá 0 para desactivar el cierre automático, o más minutos."
OVER_A_DAY = (
    "Usá como máximo 1440 minutos (24 horas): pasado un día, la WhatsApp Cloud API ya no acepta "
    "el mensaje de cierre."
)
DECIMALS = "Usá como máximo dos decimales."


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (-1, NEGATIVE),
        (Decimal("-0.01"), NEGATIVE),
        (1441, OVER_A_DAY),
        (Decimal("1440.01"), OVER_A_DAY),
        (0.001, DECIMALS),
        (float("nan"), NOT_A_NUMBER),
        (float("inf"), NOT_A_NUMBER),
        ("30", NOT_A_NUMBER),
        (True, NOT_A_NUMBER),
    ],
)
def test_bad_minutes_are_refused_and_nothing_is_written(admin, minutes, text):
    with pytest.raises(InvalidInput) as error:
        services.auto_close_update(by=admin, minutes=minutes, message="Chau")

    assert error.value.errors == {"minutes": [text]}
    assert error.value.detail == f"minutes: {text}"
    assert AutoCloseSetting.objects.count() == 0


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("", "Este campo no puede quedar vacío."),
        ("   ", "Este campo no puede quedar vacío."),
        ("x" * 4097, "WhatsApp acepta hasta 4096 caracteres."),
        (42, "Tiene que ser texto."),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_written(admin, message, text):
    with pytest.raises(InvalidInput) as error:
        services.auto_close_update(by=admin, minutes=10, message=message)

    assert error.value.errors == {"message": [text]}
    assert AutoCloseSetting.objects.count() == 0


def test_a_whatsapp_sized_message_is_accepted(admin):
    services.auto_close_update(by=admin, message="x" * 4096)

    assert auto_close_get().message == "x" * 4096


def test_every_problem_is_named_at_once_and_a_saved_value_stays(admin):
    # given saved values
    services.auto_close_update(by=admin, minutes=20, message="Antes")
    # when both new values are bad
    with pytest.raises(InvalidInput) as error:
        services.auto_close_update(by=admin, minutes=5000, message="")
    # then both fields are named and the saved values are unchanged
    assert set(error.value.errors) == {"minutes", "message"}
    assert _values() == (Decimal("20"), "Antes", True, True)


def test_none_goes_back_to_the_environment_and_one_row_is_kept(admin, settings):
    # given saved values, saved twice
    services.auto_close_update(by=admin, minutes=20, message="Antes")
    services.auto_close_update(by=admin, minutes=25, message="Después")
    # when both are put back on the environment
    services.auto_close_update(by=admin, minutes=None, message=None)
    # then the environment applies again, from a single row
    assert _values() == (Decimal(str(settings.AUTO_CLOSE_MINUTES)), ENV_MESSAGE, False, False)
    assert AutoCloseSetting.objects.count() == 1
