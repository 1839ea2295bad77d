from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class InboundConfig(AppConfig):
    name = "ventanilla.inbound"
    label = "inbound"

    def ready(self):
        from ventanilla.inbound.cloud import forget_cached_lines
        from ventanilla.providers.models import Line

        def forget(**kwargs):
            forget_cached_lines()

        post_save.connect(forget, sender=Line, weak=False, dispatch_uid="inbound-forget-lines")
        post_delete.connect(forget, sender=Line, weak=False, dispatch_uid="inbound-forget-lines-d")
