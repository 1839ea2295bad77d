"""Two-factor sign-in on the console: the code step after the password (and, for an admin who
must have one and has none, setting it up right there), turning it on from the account screen,
and an admin taking someone's off."""

import time
from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ventanilla.accounts import services, two_factor
from ventanilla.accounts.models import User
from ventanilla.accounts.permissions import MANAGE_USERS
from ventanilla.core.addresses import client_address
from ventanilla.core.errors import InvalidInput
from ventanilla.core.permissions import PUBLIC, SIGNED_IN
from ventanilla.web.access import requires
from ventanilla.web.account_views import _user
from ventanilla.web.forms import ConsoleForm

PENDING = "ventanilla_second_factor"  # in the session: who passed the password step, and when
PENDING_SECONDS = 300
BACKEND = "ventanilla.accounts.backends.UsernameOrEmailBackend"


class CodeForm(ConsoleForm):
    code = forms.CharField(
        label=gettext_lazy("Código"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text=gettext_lazy("Los 6 dígitos de tu app, o uno de tus códigos de recuperación."),
    )


def start_second_factor(request, *, user: User, identifier: str, next_url: str):
    """The password was right and the account has (or must have) a second factor: ask for it."""
    request.session[PENDING] = {
        "user_id": user.pk,
        "identifier": identifier,
        "next": next_url,
        "at": time.time(),
    }
    return redirect("login_code")


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


def setup_context(user: User) -> dict:
    device = two_factor.pending_device(user) or two_factor.setup_begin(user=user)
    return {"setup_url": device.config_url, "setup_key": b32encode(device.bin_key).decode()}


def _check_code(request, user: User, pending: dict, form: CodeForm):
    """(recovery codes or [], None) once the code is right; (None, a 429 wait) when throttled."""
    address = client_address(request)
    wait = services.login_retry_after(identifier=pending["identifier"], ip_address=address)
    if wait is not None:
        form.add_error(
            None,
            _("Demasiados intentos fallidos; volvé a intentar en %(seconds)d s.")
            % {"seconds": wait},
        )
        return None, wait
    code = form.cleaned_data["code"]
    if two_factor.enabled(user):
        if two_factor.verify(user=user, code=code):
            return [], None
    else:
        try:
            return two_factor.setup_confirm(user=user, code=code), None
        except InvalidInput:
            pass
    services.second_factor_failure_record(user=user, ip_address=address)
    form.add_error("code", _("El código no es correcto."))
    return None, None


@requires(PUBLIC)
@require_http_methods(["GET", "POST"])
def login_code(request):
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    codes, wait = (None, None)
    if form.is_bound and form.is_valid():
        codes, wait = _check_code(request, user, pending, form)
    if codes is not None:
        request.session.pop(PENDING, None)
        services.sign_in_succeeded(user=user, identifier=pending["identifier"])
        login(request, user, backend=BACKEND)
        if codes:
            return render(
                request,
                "web/account/recovery_codes.html",
                {"codes": codes, "next": pending["next"] or "/"},
            )
        return redirect(pending["next"] or "home")
    context = {"form": form, "setting_up": not two_factor.enabled(user)}
    if context["setting_up"]:
        context.update(setup_context(user))
    status = 429 if wait else (401 if form.errors else 200)
    response = render(request, "web/login_code.html", context, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@requires(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def account_two_factor(request):
    """Turning one's second factor on: a key for the app, then its first code."""
    user = request.user
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            codes = two_factor.setup_confirm(user=user, code=form.cleaned_data["code"])
        except InvalidInput as error:
            form.add_error("code", error.detail)
        else:
            return render(
                request, "web/account/recovery_codes.html", {"codes": codes, "next": "/account/"}
            )
    context = {"section": "account", "form": form, "enabled": two_factor.enabled(user)}
    context.update(setup_context(user))
    return render(
        request, "web/account/two_factor.html", context, status=422 if form.errors else 200
    )


@requires(MANAGE_USERS)
@require_POST
def user_two_factor_reset(request, user_id: int):
    person = _user(user_id)
    two_factor.reset(user=person)
    messages.success(
        request, _("Se quitó el segundo factor de «%(username)s».") % {"username": person.username}
    )
    return redirect("user_edit", user_id=person.pk)
