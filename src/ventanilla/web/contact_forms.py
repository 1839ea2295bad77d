"""Forms of the Contacts screen: they parse what people type; contacts.services decides the rest.

Field names match the keyword arguments of contact_create / contact_update, so a service's
InvalidInput lands next to the field that caused it (forms.add_service_errors).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.contacts import importing
from ventanilla.contacts.models import Contact
from ventanilla.web.forms import ConsoleForm

NAME_MAX = Contact._meta.get_field("name").max_length


class ContactForm(ConsoleForm):
    name = forms.CharField(label=_("Nombre"), max_length=NAME_MAX, strip=False)
    phone = forms.CharField(
        label=_("Teléfono"),
        required=False,
        max_length=64,
        help_text=_("Como lo escriba la persona: +54 9 351 555-1111, 0351 15 555 1111…"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    dni = forms.CharField(
        label=_("DNI"),
        required=False,
        max_length=32,
        help_text=_("7 u 8 dígitos; se aceptan puntos y espacios."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    area_id = forms.TypedChoiceField(
        label=_("Área preferida"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, areas: list[Area] = (), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Sin área"))]
        for area in areas:
            label = area.name if area.is_active else _("%(name)s (inactiva)") % {"name": area.name}
            choices.append((area.pk, label))
        self.fields["area_id"].choices = choices

    @classmethod
    def for_contact(cls, contact: Contact, *, areas: list[Area], data=None) -> "ContactForm":
        initial = {
            "name": contact.name,
            "phone": contact.phone or "",
            "dni": contact.dni,
            "area_id": contact.area_id,
        }
        return cls(data=data, initial=initial, areas=areas)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "phone": data["phone"] or None,
            "dni": data["dni"],
            "area_id": data["area_id"],
        }


class ContactImportForm(ConsoleForm):
    """A file or pasted text; `confirm` is set by the preview's "Confirmar importación"."""

    file = forms.FileField(label=_("Archivo CSV o JSON"), required=False)
    text = forms.CharField(
        label=_("O pegá el contenido"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    format = forms.ChoiceField(
        label=_("Formato"),
        required=False,
        choices=[("", _("Detectar")), ("csv", "CSV"), ("json", "JSON")],
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None and upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(str(importing.too_large()))
        if upload is None and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Elegí un archivo o pegá su contenido."))
        return data

    def content(self) -> tuple[str | None, str]:
        """(format, text) of what was sent: the file wins over the pasted text."""
        data = self.cleaned_data
        upload = data.get("file")
        if upload is None:
            text = data["text"]
            guessed = "json" if text.lstrip().startswith("[") else "csv"
            return data.get("format") or guessed, text
        raw = upload.read()
        fmt = data.get("format") or importing.format_of(upload.name or "", raw)
        return fmt, importing.decode(raw)
