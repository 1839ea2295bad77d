"""The console's door to the permission layer: every page declares what it needs."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import Permission


def requires(permission: Permission) -> Callable:
    """Declares, and checks before anything else, the permission a page needs: anonymous people
    go to the login page (with ?next=), a refused user gets 403, something this installation
    does not have 404. Every page has one: tests/web/test_declared_permissions.py."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not permission.anonymous and not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                allowed = permission.grants(user)
            except NotFound as error:
                raise Http404(error.detail) from error
            if not allowed:
                raise PermissionDenied(permission.refusal() if permission.refusal else "")
            return view(request, *args, **kwargs)

        checked.permission = permission
        return checked

    return decorate
