"""The language of a request: the signed-in person's own choice, else LocaleMiddleware's."""

from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from ventanilla.accounts import sessions
from ventanilla.core.addresses import client_address


class UserLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware (cookie, Accept-Language, LANGUAGE_CODE) with the user's override on top.

    It stands after AuthenticationMiddleware, in place of LocaleMiddleware rather than beside it,
    so the console and the API pay for one locale step; the user row is the one the request loads
    anyway, so a changed language applies from the next request on, without signing in again.
    """

    def process_request(self, request):
        super().process_request(request)
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()


class SessionSeenMiddleware:
    """Notes when and from where a signed-in session was last seen (the account screen's list),
    at most once a minute per session: other requests cost no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            sessions.session_seen(session=session, ip_address=client_address(request))
        return self.get_response(request)
