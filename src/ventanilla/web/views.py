"""The console's pages. Thin: parse the form, check the role, call one service or selector, render.

Every page works as plain full-page forms (post, then redirect); when htmx asks (the toggles), the
answer is the changed fragment instead of a redirect.
"""

import math
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ventanilla.accounts import selectors, services, two_factor
from ventanilla.accounts.permissions import MANAGE_AREAS, MANAGE_USERS
from ventanilla.core.addresses import client_address
from ventanilla.core.errors import InvalidInput, NotFound
from ventanilla.core.pagination import PageQuery, keyset_page
from ventanilla.core.permissions import PUBLIC, SIGNED_IN
from ventanilla.routing.services import agent_set_availability
from ventanilla.surveys import selectors as surveys
from ventanilla.web.access import requires
from ventanilla.web.forms import (
    ActiveForm,
    AreaForm,
    AreaMemberForm,
    AvailabilityForm,
    LanguageForm,
    LoginForm,
    UserForm,
    add_service_errors,
    form_status,
    write_form,
)
from ventanilla.web.survey_forms import AreaSurveyForm
from ventanilla.web.two_factor_views import start_second_factor

PAGE_SIZE = 50

# --- Helpers ---------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    """`candidate` when it is a path on this site ("/users/"); None for anything else."""
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return None


def _found(getter: Callable, **kwargs):
    try:
        return getter(**kwargs)
    except NotFound as error:
        raise Http404(error.detail) from error


def _keyset_page(queryset: QuerySet, ordering: tuple[str, ...], cursor: str | None):
    """One page in `ordering` (last field unique) and the cursor of the next one."""
    try:
        return keyset_page(queryset, ordering=ordering, page=PageQuery(PAGE_SIZE, cursor))
    except InvalidInput as error:
        raise Http404(_("Página inexistente.")) from error


def _with_member_counts(areas: QuerySet) -> QuerySet:
    return areas.annotate(member_count=Count("members", distinct=True))


def _error_text(error: InvalidInput) -> str:
    texts = [message for messages in error.errors.values() for message in messages]
    return " ".join(texts) or error.detail


def _wanted_active(request: HttpRequest) -> bool:
    form = ActiveForm(request.POST)
    if not form.is_valid():
        raise Http404(_("Estado desconocido."))
    return form.cleaned_data["is_active"]


# --- Sign in and out -------------------------------------------------------------------------


def _wait_text(wait: int) -> str:
    if wait < 60:
        return ngettext(
            "Demasiados intentos fallidos. Volvé a intentar en %(count)d segundo.",
            "Demasiados intentos fallidos. Volvé a intentar en %(count)d segundos.",
            wait,
        ) % {"count": wait}
    minutes = math.ceil(wait / 60)
    return ngettext(
        "Demasiados intentos fallidos. Volvé a intentar en %(count)d minuto.",
        "Demasiados intentos fallidos. Volvé a intentar en %(count)d minutos.",
        minutes,
    ) % {"count": minutes}


@requires(PUBLIC)
@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = LoginForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": next_url or ""}
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        address = client_address(request)
        wait = services.login_retry_after(identifier=identifier, ip_address=address)
        if wait is not None:
            form.add_error(None, _wait_text(wait))
            response = render(request, "web/login.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        user = authenticate(request, username=identifier, password=form.cleaned_data["password"])
        if user is None:
            services.login_failure_record(identifier=identifier, ip_address=address)
            form.add_error(None, _("Usuario, correo o contraseña incorrectos."))
            return render(request, "web/login.html", context)
        if two_factor.enabled(user) or two_factor.required(user):
            return start_second_factor(
                request, user=user, identifier=identifier, next_url=next_url or ""
            )
        services.sign_in_succeeded(user=user, identifier=identifier)
        login(request, user)
        return redirect(next_url or "home")
    return render(request, "web/login.html", context)


@requires(PUBLIC)
def django_admin_sign_in(request):
    """Django's admin signs in at the console's door, throttled like every sign-in: its own form
    is never shown, and what is posted to it signs nobody in."""
    back = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    back = back or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    if not admin.site.has_permission(request):
        raise PermissionDenied  # sending them to sign in would bring them straight back here
    return redirect(back)


@requires(PUBLIC)
@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        services.signed_out(user=request.user)
    logout(request)
    return redirect("login")


@requires(SIGNED_IN)
@require_POST
def availability(request):
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        agent_set_availability(user=request.user, availability=form.cleaned_data["availability"])
    back = _safe_next(request, request.POST.get("next")) or reverse("home")
    if request.htmx:
        return render(request, "web/_availability.html", {"availability_next": back})
    return redirect(back)


@requires(SIGNED_IN)
@require_POST
def language(request):
    """The signed-in person's own console language; it applies from the next request on."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.user_set_language(user=request.user, language=form.cleaned_data["language"])
    if request.htmx:  # the whole page is in the old language: have htmx load it again
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect(_safe_next(request, request.POST.get("next")) or reverse("home"))


# --- Users (ADMIN) ---------------------------------------------------------------------------


@requires(MANAGE_USERS)
@require_GET
def user_list(request):
    users, next_cursor = _keyset_page(
        selectors.user_list(), ("username", "id"), request.GET.get("cursor")
    )
    context = {
        "section": "users",
        "users": users,
        "next_cursor": next_cursor,
        "paged": bool(request.GET.get("cursor")),
    }
    return render(request, "web/users/list.html", context)


@requires(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_create(request):
    areas = list(selectors.area_list())
    form = UserForm(request.POST if request.method == "POST" else None, areas=areas)
    written = write_form(form, services.user_create)
    if written:
        user = written.result
        messages.success(request, _("Usuario «%(username)s» creado.") % {"username": user.username})
        return redirect("users")
    status = form_status(form)
    context = {"section": "users", "form": form, "editing": None}
    return render(request, "web/users/form.html", context, status=status)


@requires(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id: int):
    user = _found(selectors.user_get, user_id=user_id)
    areas = list(selectors.area_list())
    data = request.POST if request.method == "POST" else None
    form = UserForm.for_user(user, areas=areas, data=data)
    written = write_form(form, services.user_update, user=user)
    if written:
        messages.success(
            request, _("Usuario «%(username)s» guardado.") % {"username": user.username}
        )
        return redirect("users")
    status = form_status(form)
    context = {"section": "users", "form": form, "editing": user}
    return render(request, "web/users/form.html", context, status=status)


@requires(MANAGE_USERS)
@require_POST
def user_set_active(request, user_id: int):
    user = _found(selectors.user_get, user_id=user_id)
    error = None
    try:
        services.user_update(user=user, is_active=_wanted_active(request))
    except InvalidInput as problem:
        error = problem
    problem_text = _error_text(error) if error else ""
    if request.htmx:
        user = selectors.user_get(user_id=user_id)
        return render(request, "web/users/_row.html", {"row": user, "row_error": problem_text})
    if problem_text:
        messages.error(request, problem_text)
    return redirect("users")


# --- Areas (ADMIN) ---------------------------------------------------------------------------


@requires(MANAGE_AREAS)
@require_GET
def area_list(request):
    areas, next_cursor = _keyset_page(
        _with_member_counts(selectors.area_list()), ("name", "id"), request.GET.get("cursor")
    )
    context = {
        "section": "areas",
        "areas": areas,
        "next_cursor": next_cursor,
        "paged": bool(request.GET.get("cursor")),
    }
    return render(request, "web/areas/list.html", context)


@requires(MANAGE_AREAS)
@require_http_methods(["GET", "POST"])
def area_create(request):
    form = AreaForm(request.POST if request.method == "POST" else None)
    written = write_form(form, services.area_create)
    if written:
        area = written.result
        messages.success(request, _("Área «%(name)s» creada.") % {"name": area.name})
        return redirect("area_edit", area_id=area.pk)
    status = form_status(form)
    context = {"section": "areas", "form": form, "editing": None}
    return render(request, "web/areas/form.html", context, status=status)


def _area_page(request, area, form, member_form, status=200, survey_form=None):
    members = selectors.user_list().filter(areas=area).prefetch_related(None)
    context = {
        "section": "areas",
        "form": form,
        "editing": area,
        "members": members,
        "member_form": member_form,
        "survey_form": survey_form or AreaSurveyForm.of(surveys.area_survey(area=area)),
    }
    return render(request, "web/areas/form.html", context, status=status)


def _member_form(area, data=None) -> AreaMemberForm:
    candidates = selectors.user_list().exclude(areas=area).prefetch_related(None)
    return AreaMemberForm(data, candidates=candidates)


@requires(MANAGE_AREAS)
@require_http_methods(["GET", "POST"])
def area_edit(request, area_id: int):
    area = _found(selectors.area_get, area_id=area_id)
    form = AreaForm.for_area(area, data=request.POST if request.method == "POST" else None)
    if write_form(form, services.area_update, area=area):
        messages.success(request, _("Área «%(name)s» guardada.") % {"name": area.name})
        return redirect("areas")
    if form.errors:
        area.refresh_from_db()  # the page shows the stored name, not the refused one
    status = form_status(form)
    return _area_page(request, area, form, _member_form(area), status=status)


@requires(MANAGE_AREAS)
@require_POST
def area_set_active(request, area_id: int):
    area = _found(selectors.area_get, area_id=area_id)
    services.area_update(area=area, is_active=_wanted_active(request))
    if request.htmx:
        row = _with_member_counts(selectors.area_list()).get(pk=area.pk)
        return render(request, "web/areas/_row.html", {"row": row})
    return redirect("areas")


@requires(MANAGE_AREAS)
@require_POST
def area_member_add(request, area_id: int):
    area = _found(selectors.area_get, area_id=area_id)
    member_form = _member_form(area, request.POST)
    if member_form.is_valid():
        user = _found(selectors.user_get, user_id=member_form.cleaned_data["user_id"])
        area_ids = [a.pk for a in user.areas.all()] + [area.pk]
        try:
            services.user_update(user=user, area_ids=area_ids)
        except InvalidInput as error:
            add_service_errors(member_form, error)
        else:
            messages.success(
                request,
                _("%(user)s se sumó a %(area)s.") % {"user": user.display_name, "area": area.name},
            )
            return redirect("area_edit", area_id=area.pk)
    return _area_page(request, area, AreaForm.for_area(area), member_form, status=422)


@requires(MANAGE_AREAS)
@require_POST
def area_member_remove(request, area_id: int, user_id: int):
    area = _found(selectors.area_get, area_id=area_id)
    user = _found(selectors.user_get, user_id=user_id)
    area_ids = [a.pk for a in user.areas.all() if a.pk != area.pk]
    services.user_update(user=user, area_ids=area_ids)
    messages.success(
        request, _("%(user)s salió de %(area)s.") % {"user": user.display_name, "area": area.name}
    )
    return redirect(reverse("area_edit", kwargs={"area_id": area.pk}) + "#miembros")
