from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProvidersConfig(AppConfig):
    name = "ventanilla.providers"
    label = "providers"

    def ready(self):
        from ventanilla.providers import registry
        from ventanilla.providers.models import Line

        def saved(instance, **kwargs):
            registry.line_changed(instance)

        def deleted(instance, **kwargs):
            registry.line_deleted(instance.pk)

        post_save.connect(saved, sender=Line, weak=False, dispatch_uid="providers-line-clients")
        post_delete.connect(
            deleted, sender=Line, weak=False, dispatch_uid="providers-line-clients-d"
        )
