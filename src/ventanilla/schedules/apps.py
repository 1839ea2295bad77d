from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "ventanilla.schedules"
    label = "schedules"
    verbose_name = "Working hours"
