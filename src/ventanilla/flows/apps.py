from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "ventanilla.flows"
    label = "flows"
    verbose_name = "Flows"
