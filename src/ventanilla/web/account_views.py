"""The account screen: one's own API tokens (and open sessions); and an admin's view of another
person's tokens. A new token's secret is shown on the answer to the POST that made it, once."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ventanilla.accounts import selectors, sessions, tokens, two_factor
from ventanilla.accounts.permissions import MANAGE_OWN_TOKENS, MANAGE_USERS, MANAGE_USERS_TOKENS
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.web.access import requires
from ventanilla.web.account_forms import TokenForm
from ventanilla.web.forms import form_status, write_form


def _user(user_id: int):
    try:
        return selectors.user_get(user_id=user_id)
    except NotFound as error:
        raise Http404(error.detail) from error


def _tokens_page(request, *, person, template: str, section: str, extra=None):
    form = TokenForm(request.POST if request.method == "POST" else None)
    written = write_form(form, tokens.token_create, user=person)
    context = {
        **(extra or {}),
        "section": section,
        "person": person,
        "tokens": selectors.token_list(user_id=person.pk),
        "token_form": TokenForm() if written else form,
        "new_token": written.result if written else None,
        "own": person.pk == request.user.pk,
    }
    status = 201 if written else form_status(form)
    return render(request, template, context, status=status)


@requires(MANAGE_OWN_TOKENS)
@require_http_methods(["GET", "POST"])
def account(request):
    current = request.session.session_key
    rows = list(sessions.session_list(user_id=request.user.pk))
    for row in rows:
        row.device, row.current = sessions.device_of(row.user_agent), row.session_key == current
    return _tokens_page(
        request,
        person=request.user,
        template="web/account/page.html",
        section="account",
        extra={"sessions": rows, "two_factor_enabled": two_factor.enabled(request.user)},
    )


@requires(SIGNED_IN)
@require_POST
def account_session_end(request, session_id: int):
    try:
        sessions.session_end(user_id=request.user.pk, session_id=session_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    messages.success(request, _("Sesión cerrada."))
    return redirect("account")


@requires(MANAGE_USERS)
@require_POST
def user_sessions_end(request, user_id: int):
    person = _user(user_id)
    ended = sessions.user_sessions_end(user=person)
    messages.success(
        request,
        ngettext(
            "Se cerró %(count)d sesión de «%(username)s».",
            "Se cerraron %(count)d sesiones de «%(username)s».",
            ended,
        )
        % {"count": ended, "username": person.username},
    )
    return redirect("user_edit", user_id=person.pk)


@requires(MANAGE_OWN_TOKENS)
@require_POST
def account_token_revoke(request, token_id: int):
    try:
        token = tokens.token_revoke(user_id=request.user.pk, token_id=token_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    messages.success(request, _("Token «%(name)s» revocado.") % {"name": token.name})
    return redirect("account")


@requires(MANAGE_USERS_TOKENS)
@require_http_methods(["GET", "POST"])
def user_tokens(request, user_id: int):
    return _tokens_page(
        request, person=_user(user_id), template="web/users/tokens.html", section="users"
    )


@requires(MANAGE_USERS_TOKENS)
@require_POST
def user_token_revoke(request, user_id: int, token_id: int):
    person = _user(user_id)
    try:
        token = tokens.token_revoke(user_id=person.pk, token_id=token_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    messages.success(request, _("Token «%(name)s» revocado.") % {"name": token.name})
    return redirect("user_tokens", user_id=person.pk)
