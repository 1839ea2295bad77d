from django.apps import AppConfig


class QuickRepliesConfig(AppConfig):
    name = "ventanilla.quickreplies"
    label = "quickreplies"
