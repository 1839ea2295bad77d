from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "ventanilla.inbound"
    label = "inbound"
