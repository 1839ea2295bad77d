"""The Chat screen's forms: the composer, the contact card, close and transfer."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ventanilla.accounts.models import Availability
from ventanilla.core import clock
from ventanilla.web.forms import ConsoleForm


class ComposerForm(ConsoleForm):
    text = forms.CharField(
        label=gettext_lazy("Mensaje"),
        max_length=4096,
        error_messages={
            "required": gettext_lazy("Escribí un mensaje."),
            "max_length": gettext_lazy("WhatsApp acepta hasta %(limit_value)d caracteres."),
        },
        widget=forms.Textarea(
            attrs={
                "rows": 1,
                "placeholder": gettext_lazy("Escribí un mensaje"),
                "enterkeyhint": "send",
                "autocomplete": "off",
            }
        ),
    )

    # the message the answer quotes (chat/reply.js sets it from a bubble's "Responder")
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    note = forms.BooleanField(label=gettext_lazy("Nota privada"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "composer-%s")
        super().__init__(*args, **kwargs)


class ContactForm(ConsoleForm):
    name = forms.CharField(
        label=gettext_lazy("Nombre"),
        max_length=150,
        error_messages={"required": gettext_lazy("Escribí el nombre.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    dni = forms.CharField(
        label=gettext_lazy("DNI"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "contact-%s")
        super().__init__(*args, **kwargs)

    def clean_dni(self) -> str:
        dni = self.cleaned_data["dni"]
        digits = "".join(ch for ch in dni if ch not in ". -")
        if digits and not (digits.isdigit() and 7 <= len(digits) <= 8):
            raise forms.ValidationError(
                _("El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios).")
            )
        return digits


class CloseForm(ConsoleForm):
    reason = forms.CharField(
        label=gettext_lazy("Motivo (opcional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)


def _transfer_note():
    return forms.CharField(
        label=gettext_lazy("Nota para quien la recibe (opcional)"),
        max_length=4096,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )


class AreaTransferForm(ConsoleForm):
    area_id = forms.TypedChoiceField(label=gettext_lazy("Área"), coerce=int)
    note = _transfer_note()

    def __init__(self, *args, areas=(), **kwargs):
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["id"] = "transfer-area-note"
        self.fields["area_id"].choices = [(area.pk, area.name) for area in areas]


def presence(user, now) -> str:
    """ "Disponible", "Ausente" or "Desconectado" (no console open): what routing sees."""
    if user.console_seen_until is None or user.console_seen_until <= now:
        return _("Desconectado")
    if user.availability != Availability.AVAILABLE:
        return _("Ausente")
    return _("Disponible")


def candidate_label(user, now) -> str:
    """ "Sofía · Agente · Disponible · 3 abiertas": whom a supervisor hands a conversation to."""
    count = getattr(user, "open_count", 0) or 0
    load = ngettext("%(count)d abierta", "%(count)d abiertas", count) % {"count": count}
    return f"{user.display_name} · {user.get_role_display()} · {presence(user, now)} · {load}"


class AgentTransferForm(ConsoleForm):
    user_id = forms.TypedChoiceField(label=gettext_lazy("Agente"), coerce=int)
    note = _transfer_note()

    def __init__(self, *args, agents=(), **kwargs):
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["id"] = "transfer-user-note"
        now = clock.now()
        self.fields["user_id"].choices = [(user.pk, candidate_label(user, now)) for user in agents]


class LabelsForm(ConsoleForm):
    label_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Etiquetas"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, labels=(), **kwargs):
        kwargs.setdefault("auto_id", "labels-%s")
        super().__init__(*args, **kwargs)
        self.fields["label_ids"].choices = [(label.pk, label.name) for label in labels]
