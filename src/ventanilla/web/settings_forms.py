"""Forms of the Settings screen: they parse what people type; the services decide.

Field names match the keyword arguments of providers.sessions.session_update_metadata and
schedules.services.auto_close_update, so a service's InvalidInput lands next to the field that
caused it (forms.add_service_errors). The auto-close limits come from the service, so the browser,
the form and the service agree; the form only says it first, in the console's language.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.contacts.phones import canonical_phone
from ventanilla.conversations.models import REOPEN_WINDOW_MAX_HOURS
from ventanilla.providers.models import Line
from ventanilla.schedules.models import AUTO_CLOSE_MESSAGE_MAX_LENGTH
from ventanilla.schedules.selectors import AutoClose
from ventanilla.schedules.services import AUTO_CLOSE_MINUTES_MAX
from ventanilla.web.forms import ConsoleForm

DISPLAY_NAME_MAX = Line._meta.get_field("display_name").max_length


def minutes_text(minutes: Decimal) -> str:
    """30.00 -> "30", 0.50 -> "0.5": what a number input shows and people read."""
    return f"{minutes.normalize():f}" if minutes else "0"


class LineForm(ConsoleForm):
    """A line's name and number. Prefixed by the line, so several lines fit on one page."""

    display_name = forms.CharField(
        label=_("Nombre visible"),
        required=False,
        max_length=DISPLAY_NAME_MAX,
        help_text=_("Cómo se llama la línea en la consola. Vacío: el nombre del proveedor."),
    )
    phone = forms.CharField(
        label=_("Teléfono"),
        required=False,
        max_length=64,
        help_text=_("El número de WhatsApp de la línea, con código de país: +54 9 351 555-1111."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, line: Line, **kwargs):
        kwargs.setdefault("prefix", f"line-{line.pk}")
        super().__init__(*args, **kwargs)
        self.line = line

    @classmethod
    def for_line(cls, line: Line, data=None) -> "LineForm":
        initial = {"display_name": line.display_name, "phone": line.phone}
        return cls(data=data, initial=initial, line=line)

    def clean_phone(self) -> str:
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        canonical = canonical_phone(typed)
        if canonical is None:
            raise forms.ValidationError(
                _("«%(phone)s» no es un número de teléfono."), params={"phone": typed}
            )
        return canonical[0]

    def service_arguments(self) -> dict:
        return {
            "display_name": self.cleaned_data["display_name"],
            "phone": self.cleaned_data["phone"],
        }


class PauseForm(ConsoleForm):
    """The state the pause button asks for: explicit, so a double click is harmless."""

    paused = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
    )


class AutoCloseForm(ConsoleForm):
    minutes = forms.DecimalField(
        label=_("Minutos sin mensajes"),
        min_value=0,
        max_value=AUTO_CLOSE_MINUTES_MAX,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    message = forms.CharField(
        label=_("Mensaje de cierre"),
        max_length=AUTO_CLOSE_MESSAGE_MAX_LENGTH,
        help_text=_("Lo que recibe el cliente cuando se cierra su conversación por inactividad."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, default_minutes: Decimal, **kwargs):
        kwargs.setdefault("prefix", "auto-close")
        super().__init__(*args, **kwargs)
        self.fields["minutes"].help_text = _(
            "Tras cuántos minutos sin mensajes en ningún sentido se cierra una conversación. "
            "0 lo desactiva; se aceptan decimales (0.5 = 30 segundos); máximo %(max)s "
            "(24 horas). Valor del entorno: %(default)s."
        ) % {"max": minutes_text(AUTO_CLOSE_MINUTES_MAX), "default": minutes_text(default_minutes)}

    @classmethod
    def for_current(cls, current: AutoClose, *, default_minutes: Decimal, data=None):
        initial = {"minutes": minutes_text(current.minutes), "message": current.message}
        return cls(data=data, initial=initial, default_minutes=default_minutes)

    def service_arguments(self) -> dict:
        return {"minutes": self.cleaned_data["minutes"], "message": self.cleaned_data["message"]}


class FollowUpForm(ConsoleForm):
    reopen_hours = forms.IntegerField(
        label=_("Horas para retomar una conversación cerrada"),
        min_value=0,
        max_value=REOPEN_WINDOW_MAX_HOURS,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "follow-up")
        super().__init__(*args, **kwargs)
        self.fields["reopen_hours"].help_text = _(
            "0: solo supervisores y administradores reabren; máximo %(max)d (30 días)."
        ) % {"max": REOPEN_WINDOW_MAX_HOURS}
