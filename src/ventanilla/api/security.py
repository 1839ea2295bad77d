from collections.abc import Callable

import ninja
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import SessionAuth
from ninja.utils import check_csrf

from ventanilla.api.schemas import ErrorOut
from ventanilla.core.permissions import SIGNED_IN, Permission


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
        options["auth"] = (
            None if permission.anonymous else ActiveSessionAuth(permission, large_files=large_files)
        )
        options["response"] = _with_refusals(options.get("response"), permission)
        return super().add_api_operation(path, methods, view_func, **options)


def _with_refusals(response, permission: Permission):
    """The declared answers, plus the refusals the permission itself gives (documented)."""
    if not isinstance(response, dict) or permission.anonymous:
        return response
    refusals = (401,) if permission is SIGNED_IN else (401, 403)
    return {**response, **{status: ErrorOut for status in refusals if status not in response}}
