"""Forms of the account screen (one's own tokens and sessions) and of an admin's tokens of a user.
They only parse; the services check and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import TokenScope
from ventanilla.web.forms import ConsoleForm

EXPIRY_CHOICES = [
    ("30", _("30 días")),
    ("90", _("90 días")),
    ("365", _("1 año")),
    ("", _("Sin vencimiento")),
]


class TokenForm(ConsoleForm):
    name = forms.CharField(
        label=_("Nombre"), max_length=200, help_text=_("Para qué es: «CRM», «ERP»…")
    )
    scope = forms.ChoiceField(
        label=_("Alcance"), choices=TokenScope.choices, initial=TokenScope.READ
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Vence en"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )
