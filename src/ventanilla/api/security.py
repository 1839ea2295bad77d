from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import SessionAuth
from ninja.utils import check_csrf

from ventanilla.accounts.models import Role, User
from ventanilla.core.errors import Forbidden


def require_csrf(request) -> None:
    """Django's CSRF check, without letting it consume a form body the API still has to read."""
    try:
        request.body  # cached now, so request.POST parses a copy  # noqa: B018
    except RequestDataTooBig as error:
        raise HttpError(413, _("El cuerpo del pedido es demasiado grande.")) from error
    if check_csrf(request):
        raise HttpError(403, _("Falló la verificación CSRF."))


class ActiveSessionAuth(SessionAuth):
    """The Django session, its CSRF check on unsafe methods, and an active account."""

    def _get_key(self, request):
        require_csrf(request)
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


session_auth = ActiveSessionAuth()


def role_refused_text() -> str:
    return _("Tu rol no puede hacer esto.")


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise Forbidden(role_refused_text())
