from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ventanilla.web"
    label = "web"
