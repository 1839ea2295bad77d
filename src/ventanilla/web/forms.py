"""Console forms: they parse and type what people type; the services decide what is acceptable.

Field names match the keyword arguments of accounts.services, so an InvalidInput's `errors`
({field: [messages]}) land next to the field that caused them (see `add_service_errors`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area, Availability, Role, User
from ventanilla.core.errors import InvalidInput, TooLarge


def add_service_errors(form: forms.Form, error: InvalidInput | TooLarge) -> None:
    """Shows a service's field errors on the form; unknown fields become form-wide errors."""
    if not error.errors:
        form.add_error(None, error.detail)
        return
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


@dataclass(frozen=True)
class Written:
    """What `write_form` did: `done` when the service wrote, with what it returned."""

    done: bool
    result: object = None

    def __bool__(self) -> bool:
        return self.done


def write_form(form: forms.Form, write: Callable, **fixed) -> Written:
    """A submitted, valid form's values (`service_arguments()`, else `cleaned_data`) and
    `fixed` go to the service `write`; its InvalidInput lands next to the fields it names."""
    if not form.is_bound or not form.is_valid():
        return Written(False)
    values = getattr(form, "service_arguments", lambda: form.cleaned_data)()
    try:
        return Written(True, write(**fixed, **values))
    except (InvalidInput, TooLarge) as error:
        add_service_errors(form, error)
        return Written(False)


def form_status(form: forms.Form) -> int:
    """422 when the form shows errors (the browser keeps what was typed), else 200."""
    return 422 if form.errors else 200


class ConsoleForm(forms.Form):
    """Labels without Django's trailing colon, as in the rest of the console."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _area_label(area: Area) -> str:
    return area.name if area.is_active else _("%(name)s (inactiva)") % {"name": area.name}


class LoginForm(ConsoleForm):
    identifier = forms.CharField(
        label=_("Usuario o correo electrónico"),
        max_length=254,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AvailabilityForm(ConsoleForm):
    availability = forms.ChoiceField(choices=Availability.choices)


def language_choices() -> list[tuple[str, str]]:
    """The shipped languages by their own names, after "automatic" (browser, then LANGUAGE_CODE)."""
    return [("", _("Automático")), *settings.LANGUAGES]


class LanguageForm(ConsoleForm):
    """A person's own console language (the picker in the top bar)."""

    language = forms.ChoiceField(label=_("Idioma"), choices=language_choices, required=False)


class ActiveForm(ConsoleForm):
    """The state an activate/deactivate button asks for: explicit, so a double click is harmless."""

    is_active = forms.TypedChoiceField(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
    )


class AreaForm(ConsoleForm):
    name = forms.CharField(label=_("Nombre"), max_length=200, strip=False)
    description = forms.CharField(
        label=_("Descripción"),
        required=False,
        strip=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_active = forms.BooleanField(label=_("Activa"), required=False, initial=True)
    first_response_target_minutes = forms.IntegerField(
        label=_("Meta de primera respuesta (minutos)"),
        required=False,
        help_text=_("Minutos dentro del horario del área. Vacío: sin meta."),
    )
    resolution_target_minutes = forms.IntegerField(
        label=_("Meta de resolución (minutos)"),
        required=False,
        help_text=_("Minutos dentro del horario del área. Vacío: sin meta."),
    )

    @classmethod
    def for_area(cls, area: Area, data=None) -> "AreaForm":
        initial = {
            "name": area.name,
            "description": area.description,
            "is_active": area.is_active,
            "first_response_target_minutes": area.first_response_target_minutes,
            "resolution_target_minutes": area.resolution_target_minutes,
        }
        return cls(data=data, initial=initial)


class AreaMemberForm(ConsoleForm):
    user_id = forms.TypedChoiceField(label=_("Agregar miembro"), coerce=int)

    def __init__(self, *args, candidates: Iterable[User] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user_id"].choices = [
            (user.pk, f"{user.display_name} ({user.username})") for user in candidates
        ]


class UserForm(ConsoleForm):
    username = forms.CharField(
        label=_("Usuario"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    name = forms.CharField(label=_("Nombre"), max_length=150, required=False)
    email = forms.CharField(
        label=_("Correo electrónico"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices, initial=Role.OPERATOR)
    area_ids = forms.TypedMultipleChoiceField(
        label=_("Áreas"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    default_area_id = forms.TypedChoiceField(
        label=_("Área por defecto"), coerce=int, required=False, empty_value=None
    )
    max_open_conversations = forms.IntegerField(
        label=_("Máximo de conversaciones abiertas"),
        required=False,
        help_text=_("Vacío: sin límite."),
    )
    language = forms.ChoiceField(
        label=_("Idioma de la consola"),
        choices=language_choices,
        required=False,
        help_text=_("Automático: el del navegador, si es uno de estos, o el del sistema."),
    )
    is_active = forms.BooleanField(label=_("Activo"), required=False, initial=True)

    def __init__(self, *args, areas: Iterable[Area] = (), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(area.pk, _area_label(area)) for area in areas]
        self.fields["area_ids"].choices = choices
        self.fields["default_area_id"].choices = [("", _("Ninguna")), *choices]
        self.editing = editing
        if editing:
            self.fields["password"].help_text = _("Dejala vacía para no cambiarla.")
        else:
            self.fields["password"].required = True

    @classmethod
    def for_user(cls, user: User, *, areas: Iterable[Area], data=None) -> "UserForm":
        initial = {
            "username": user.username,
            "name": user.name,
            "email": user.email or "",
            "role": user.role,
            "area_ids": [area.pk for area in user.areas.all()],
            "default_area_id": user.default_area_id,
            "max_open_conversations": user.max_open_conversations,
            "is_active": user.is_active,
            "language": user.language,
        }
        return cls(data=data, initial=initial, areas=areas, editing=True)

    def service_arguments(self) -> dict:
        """The cleaned data as keyword arguments for user_create / user_update."""
        values = dict(self.cleaned_data)
        if self.editing and not values["password"]:
            del values["password"]
        values["email"] = values["email"] or None
        return values
