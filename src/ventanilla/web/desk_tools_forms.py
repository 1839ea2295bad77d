"""The forms of the Quick replies and Labels screens: they parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy

from ventanilla.conversations.models import LabelColor
from ventanilla.core.attachments import accept_text
from ventanilla.quickreplies.models import Scope
from ventanilla.web.forms import ConsoleForm


class QuickReplyForm(ConsoleForm):
    code = forms.CharField(
        label=gettext_lazy("Código"),
        max_length=30,
        help_text=gettext_lazy("Se escribe «/código» en el chat. Letras, números y guiones."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    title = forms.CharField(label=gettext_lazy("Título"), max_length=80)
    text = forms.CharField(
        label=gettext_lazy("Texto"),
        max_length=4096,
        help_text=gettext_lazy(
            "{nombre}: el cliente · {agente}: quien responde · {area}: el área del chat."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Para"))
    area_id = forms.TypedChoiceField(
        label=gettext_lazy("Área"), coerce=int, required=False, empty_value=None
    )
    file = forms.FileField(
        label=gettext_lazy("Archivo (opcional)"),
        required=False,
        allow_empty_file=True,  # the service names an empty file with the other problems
        help_text=gettext_lazy(
            "Se envía con el texto, como un adjunto: imagen, video, audio, documento o sticker."
        ),
    )
    remove_file = forms.BooleanField(label=gettext_lazy("Quitar el archivo"), required=False)

    def __init__(self, *args, scopes=(), areas=(), editing=False, has_file=False, **kwargs):
        kwargs.setdefault("auto_id", "reply-%s")
        super().__init__(*args, **kwargs)
        labels = dict(Scope.choices)
        self.fields["scope"].choices = [(scope, labels[scope]) for scope in scopes]
        self.fields["area_id"].choices = [("", "—")] + [(a.pk, a.name) for a in areas]
        self.fields["file"].widget.attrs["accept"] = accept_text()
        if editing:  # where a reply lives does not change
            del self.fields["scope"]
            del self.fields["area_id"]
        if not has_file:
            del self.fields["remove_file"]

    def service_arguments(self) -> dict:
        """A new file replaces the reply's; "Quitar el archivo" takes it away (file=None)."""
        values = dict(self.cleaned_data)
        remove = values.pop("remove_file", False)
        if values.get("file") is None:
            values.pop("file", None)
            if remove:
                values["file"] = None
        return values


class LabelForm(ConsoleForm):
    name = forms.CharField(label=gettext_lazy("Nombre"), max_length=40)
    color = forms.ChoiceField(label=gettext_lazy("Color"), choices=LabelColor.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "label-%s")
        super().__init__(*args, **kwargs)
