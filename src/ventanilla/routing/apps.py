from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "ventanilla.routing"
    label = "routing"
