from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "ventanilla.surveys"
    label = "surveys"

    def ready(self) -> None:
        # conversations sit below surveys: they announce a close, this app answers it (ADR 0031)
        from ventanilla.conversations.signals import contact_merged, conversation_closed
        from ventanilla.surveys import services

        conversation_closed.connect(services.on_conversation_closed, dispatch_uid="surveys")
        contact_merged.connect(services.on_contact_merged, dispatch_uid="surveys")
