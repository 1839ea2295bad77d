"""Form of the Webhooks screen: it parses what people type; integrations.services decides.

Field names match the keyword arguments of subscription_create / subscription_update, so a
service's InvalidInput lands next to the field that caused it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.integrations.models import URL_MAX_LENGTH, Subscription, WebhookEvent
from ventanilla.integrations.services import DESCRIPTION_MAX_LENGTH, SECRET_MAX_LENGTH
from ventanilla.web.forms import ConsoleForm


class WebhookForm(ConsoleForm):
    url = forms.CharField(
        label=_("Dirección (URL)"),
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://crm.example.com/hooks/ventanilla"}),
    )
    description = forms.CharField(
        label=_("Descripción"), required=False, max_length=DESCRIPTION_MAX_LENGTH
    )
    events = forms.MultipleChoiceField(
        label=_("Eventos"),
        required=False,
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        label=_("Secreto"),
        required=False,
        max_length=SECRET_MAX_LENGTH,
        help_text=_(
            "Firma cada envío (HMAC-SHA256). Vacío: uno nuevo al crear, el mismo al editar."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    is_active = forms.BooleanField(label=_("Activo"), required=False, initial=True)

    @classmethod
    def for_subscription(cls, subscription: Subscription, data=None) -> "WebhookForm":
        initial = {
            "url": subscription.url,
            "description": subscription.description,
            "events": subscription.events,
            "is_active": subscription.is_active,
        }
        return cls(data=data, initial=initial)

    def service_arguments(self) -> dict:
        arguments = dict(self.cleaned_data)
        if not arguments["secret"]:
            del arguments["secret"]  # create: one is made; edit: it stays
        return arguments
