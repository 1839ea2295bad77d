from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ventanilla.accounts"
    label = "accounts"
    verbose_name = _("Personas y áreas")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # every way out (console, API, Django's admin) ends the session's open consoles too
        user_logged_out.connect(_close_sockets_of_session, dispatch_uid="ventanilla-sign-out")
        # every way in is listed on the person's account screen
        user_logged_in.connect(_list_session, dispatch_uid="ventanilla-sign-in")


def _close_sockets_of_session(sender, request, **kwargs) -> None:
    from ventanilla.accounts import services
    from ventanilla.accounts.models import SignedInSession

    session_key = request.session.session_key
    if session_key:
        services.session_sockets_close(session_key=session_key)
        SignedInSession.objects.filter(session_key=session_key).delete()


def _list_session(sender, request, user, **kwargs) -> None:
    from ventanilla.accounts import sessions
    from ventanilla.core.addresses import client_address

    if request is None or not hasattr(request, "session"):
        return
    sessions.session_started(
        user=user,
        session=request.session,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip_address=client_address(request),
    )
