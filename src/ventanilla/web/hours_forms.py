"""Form of the Working hours screen: it parses what people type; schedules.services decides.

Field names match the keyword arguments of working_hour_create / working_hour_update, so a
service's InvalidInput lands next to the field that caused it (forms.add_service_errors). Days and
times are left optional here on purpose: the service checks them all at once.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.schedules.models import (
    CLOSED_DAY_NAME_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    WorkingHour,
)
from ventanilla.web.forms import ConsoleForm

# 0 = Sunday ... 6 = Saturday, as in WorkingHour.days
DAY_NAMES = (_("Dom"), _("Lun"), _("Mar"), _("Mié"), _("Jue"), _("Vie"), _("Sáb"))


def day_names(days) -> list[str]:
    return [str(DAY_NAMES[day]) for day in days if 0 <= day < len(DAY_NAMES)]


class WorkingHourForm(ConsoleForm):
    area_id = forms.TypedChoiceField(label=_("Área"), coerce=int)
    days = forms.TypedMultipleChoiceField(
        label=_("Días"),
        coerce=int,
        required=False,
        choices=list(enumerate(DAY_NAMES)),
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.CharField(
        label=_("Desde"), required=False, widget=forms.TextInput(attrs={"type": "time"})
    )
    end_time = forms.CharField(
        label=_("Hasta"),
        required=False,
        help_text=_("Si termina antes de empezar, el horario es nocturno: sigue al día siguiente."),
        widget=forms.TextInput(attrs={"type": "time"}),
    )
    message = forms.CharField(
        label=_("Texto de cortesía"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("Lo que recibe quien escribe fuera de horario. Vacío: el texto por defecto."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, areas: list[Area] = (), **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for area in areas:
            label = area.name if area.is_active else _("%(name)s (inactiva)") % {"name": area.name}
            choices.append((area.pk, label))
        self.fields["area_id"].choices = choices

    @classmethod
    def for_working_hour(
        cls, row: WorkingHour, *, areas: list[Area], data=None
    ) -> "WorkingHourForm":
        initial = {
            "area_id": row.area_id,
            "days": list(row.days),
            "start_time": row.start_time.strftime("%H:%M"),
            "end_time": row.end_time.strftime("%H:%M"),
            "message": row.message,
        }
        return cls(data=data, initial=initial, areas=areas)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "area_id": data["area_id"],
            "days": data["days"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "message": data["message"],
        }


EVERY_AREA = ""  # the choice that closes the day for every area (admins only)


class ClosedDayForm(ConsoleForm):
    day = forms.CharField(
        label=_("Fecha"), required=False, widget=forms.TextInput(attrs={"type": "date"})
    )
    area_id = forms.TypedChoiceField(label=_("Área"), coerce=int, empty_value=None, required=False)
    name = forms.CharField(
        label=_("Motivo"),
        required=False,
        max_length=CLOSED_DAY_NAME_MAX_LENGTH,
        help_text=_("Por ejemplo «Navidad» o «Inventario»."),
    )
    message = forms.CharField(
        label=_("Texto de cortesía"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("Lo que recibe quien escribe ese día. Vacío: el texto de cortesía del área."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, areas: list[Area] = (), every_area: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(EVERY_AREA, _("Todas las áreas"))] if every_area else []
        choices += [(area.pk, area.name) for area in areas if area.is_active]
        self.fields["area_id"].choices = choices
        self.fields["area_id"].required = not every_area

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("day", "area_id", "name", "message")}
