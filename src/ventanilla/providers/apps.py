from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "ventanilla.providers"
    label = "providers"
