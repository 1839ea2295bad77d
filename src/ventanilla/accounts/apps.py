from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ventanilla.accounts"
    label = "accounts"
    verbose_name = _("Personas y áreas")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        # every way out (console, API, Django's admin) ends the session's open consoles too
        user_logged_out.connect(_close_sockets_of_session, dispatch_uid="ventanilla-sign-out")


def _close_sockets_of_session(sender, request, **kwargs) -> None:
    from ventanilla.accounts import services

    session_key = request.session.session_key
    if session_key:
        services.session_sockets_close(session_key=session_key)
