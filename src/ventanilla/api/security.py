from collections.abc import Callable

import ninja
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from ventanilla.accounts import tokens
from ventanilla.accounts.models import TokenScope
from ventanilla.api.schemas import ErrorOut
from ventanilla.core.errors import Forbidden
from ventanilla.core.permissions import SIGNED_IN, Permission

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require_csrf(request, *, large_files: bool = False) -> None:
    """Django's CSRF check, without letting it consume a form body the API still has to read.
    Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are 413, but for an operation that takes large files
    (`takes_large_files`): its multipart body is not read whole, Django parses it once from the
    stream, files to disk, and the operation reads `request.FILES`."""
    if not (large_files and _multipart_over_memory(request)):
        try:
            request.body  # cached now, so request.POST parses a copy  # noqa: B018
        except RequestDataTooBig as error:
            raise HttpError(413, _("El cuerpo del pedido es demasiado grande.")) from error
    if check_csrf(request):
        raise HttpError(403, _("Falló la verificación CSRF."))


def _multipart_over_memory(request) -> bool:
    if request.content_type != "multipart/form-data":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class ActiveSessionAuth(SessionAuth):
    """The Django session, its CSRF check on unsafe methods, an active account, and the
    operation's permission (403 when refused, before the request's body is even parsed)."""

    def __init__(self, permission: Permission = SIGNED_IN, *, large_files: bool = False):
        super().__init__()
        self.permission = permission
        self.large_files = large_files

    def _get_key(self, request):
        require_csrf(request, large_files=self.large_files)
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        self.permission.check(user)
        return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a personal API token acts as its user, with the same
    permission and visibility, and needs no CSRF token (no cookie rides along). An unknown,
    revoked or expired token is 401 (no fall back to the session); a read-scope token is 403 on
    anything but a read; each call counts against the token's rate limit (429)."""

    def __init__(self, permission: Permission = SIGNED_IN):
        super().__init__()
        self.permission = permission

    def authenticate(self, request, token):
        found = tokens.token_authenticate(secret=token.strip())
        if found is None:
            raise AuthenticationError
        if found.scope == TokenScope.READ and request.method not in SAFE_METHODS:
            raise Forbidden(
                _("Este token tiene alcance «%(scope)s»: solo puede leer.") % {"scope": found.scope}
            )
        user = found.user
        user.api_token = found  # permissions may ask how the call signed in (accounts.permissions)
        self.permission.check(user)
        tokens.token_count_call(token=found)
        request.user = user
        return user


session_auth = ActiveSessionAuth()


def requires(permission: Permission) -> Callable:
    """Declares the permission an operation needs; `Router` makes it the operation's check."""

    def declare(view: Callable) -> Callable:
        view.permission = permission
        return view

    return declare


def takes_large_files(view: Callable) -> Callable:
    """Declares that an operation takes files larger than DATA_UPLOAD_MAX_MEMORY_SIZE in a
    multipart body (it checks their size itself)."""
    view.takes_large_files = True
    return view


class Router(ninja.Router):
    """A router whose every operation declares its permission (`requires`): none, and the
    desk does not start."""

    def add_api_operation(self, path, methods, view_func, **options):
        permission = getattr(view_func, "permission", None)
        if permission is None:
            raise ImproperlyConfigured(
                f"{view_func.__module__}.{view_func.__name__} declares no permission (@requires)"
            )
        large_files = getattr(view_func, "takes_large_files", False)
        if permission.anonymous:
            options["auth"] = None
        else:
            options["auth"] = [
                TokenAuth(permission),
                ActiveSessionAuth(permission, large_files=large_files),
            ]
        options["response"] = _with_refusals(options.get("response"), permission, methods)
        return super().add_api_operation(path, methods, view_func, **options)


def _with_refusals(response, permission: Permission, methods):
    """The declared answers, plus the refusals the permission itself gives (documented): 401,
    403 (a role refused, or a read-only token on a write), 429 (a token's rate limit)."""
    if not isinstance(response, dict) or permission.anonymous:
        return response
    writes = not set(methods) <= SAFE_METHODS
    refusals = (401, 429) if permission is SIGNED_IN and not writes else (401, 403, 429)
    return {**response, **{status: ErrorOut for status in refusals if status not in response}}
