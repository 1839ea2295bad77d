"""The Working hours screen (ADMIN and SUPERVISOR): each area's opening windows (add, edit,
delete) and the days it does not open (add, delete).

Thin like contact_views.py: parse the form, call one schedules service or selector, render. An
admin sees every area; a supervisor only their own, and gets 403 on another area's window.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ventanilla.accounts.permissions import is_admin
from ventanilla.core import clock
from ventanilla.core.errors import Forbidden
from ventanilla.schedules import selectors, services
from ventanilla.schedules.models import ClosedDay, WorkingHour
from ventanilla.schedules.permissions import (
    EDIT_HOURS,
    check_closed_day_writer,
    closed_day_writable,
    hours_areas,
)
from ventanilla.web.access import requires
from ventanilla.web.forms import form_status, write_form
from ventanilla.web.hours_forms import ClosedDayForm, WorkingHourForm, day_names
from ventanilla.web.views import _found

SECTION = "hours"


def _areas(user) -> list:
    """The areas the user may see and edit the hours of."""
    return list(hours_areas(user).order_by("name_key", "pk"))


def _working_hour(request, working_hour_id: int, areas: list) -> WorkingHour:
    row = _found(selectors.working_hour_get, working_hour_id=working_hour_id)
    if row.area_id not in {area.pk for area in areas}:
        raise PermissionDenied
    return row


def _describe(row: WorkingHour) -> dict:
    return {
        "row": row,
        "days": day_names(row.days),
        "overnight": row.end_time < row.start_time,
    }


# --- List ------------------------------------------------------------------------------------


@requires(EDIT_HOURS)
@require_GET
def hours_list(request):
    areas = _areas(request.user)
    by_area: dict[int, list] = {area.pk: [] for area in areas}
    for row in selectors.working_hour_list().filter(area_id__in=list(by_area)):
        by_area[row.area_id].append(_describe(row))
    context = {
        "section": SECTION,
        "areas": [{"area": area, "windows": by_area[area.pk]} for area in areas],
        "closed_days": _upcoming_closed_days(request.user, areas),
    }
    return render(request, "web/hours/list.html", context)


def _upcoming_closed_days(user, areas: list) -> list[dict]:
    """From today on: every area's days and those of the user's areas, each with whether the
    user may delete it."""
    today = clock.local_date()
    own = {area.pk for area in areas}
    rows = selectors.closed_day_list(since=today)
    if not is_admin(user):
        rows = rows.filter(Q(area__isnull=True) | Q(area_id__in=own))
    return [{"row": row, "deletable": closed_day_writable(user, row.area_id, own)} for row in rows]


# --- Create, edit, delete ----------------------------------------------------------------------


@requires(EDIT_HOURS)
@require_http_methods(["GET", "POST"])
def hours_create(request):
    areas = _areas(request.user)
    if request.method == "POST":
        form = WorkingHourForm(request.POST, areas=areas)
    else:
        form = WorkingHourForm(initial={"area_id": request.GET.get("area")}, areas=areas)
    written = write_form(form, services.working_hour_create)
    if written:
        messages.success(request, _("Horario agregado."))
        return redirect("hours")
    status = form_status(form)
    context = {"section": SECTION, "form": form, "editing": None}
    return render(request, "web/hours/form.html", context, status=status)


@requires(EDIT_HOURS)
@require_http_methods(["GET", "POST"])
def hours_edit(request, working_hour_id: int):
    areas = _areas(request.user)
    row = _working_hour(request, working_hour_id, areas)
    data = request.POST if request.method == "POST" else None
    form = WorkingHourForm.for_working_hour(row, areas=areas, data=data)
    written = write_form(form, services.working_hour_update, working_hour=row)
    if written:
        messages.success(request, _("Horario guardado."))
        return redirect("hours")
    status = form_status(form)
    context = {"section": SECTION, "form": form, "editing": _describe(row)}
    return render(request, "web/hours/form.html", context, status=status)


@requires(EDIT_HOURS)
@require_http_methods(["GET", "POST"])
def hours_delete(request, working_hour_id: int):
    """GET asks for confirmation; POST deletes."""
    row = _working_hour(request, working_hour_id, _areas(request.user))
    if request.method == "POST":
        services.working_hour_delete(working_hour=row)
        messages.success(request, _("Horario borrado."))
        return redirect("hours")
    context = {"section": SECTION, "window": _describe(row)}
    return render(request, "web/hours/delete.html", context)


# --- Closed days -------------------------------------------------------------------------------


def _closed_day(closed_day_id: int, user) -> ClosedDay:
    row = _found(selectors.closed_day_get, closed_day_id=closed_day_id)
    try:
        check_closed_day_writer(user, row.area_id)
    except Forbidden as error:
        raise PermissionDenied from error
    return row


def _closed_day_create_as(user):
    def create(**values) -> ClosedDay:
        try:
            check_closed_day_writer(user, values["area_id"])
        except Forbidden as error:
            raise PermissionDenied from error
        return services.closed_day_create(**values)

    return create


@requires(EDIT_HOURS)
@require_http_methods(["GET", "POST"])
def closed_day_create(request):
    areas = _areas(request.user)
    every_area = is_admin(request.user)
    data = request.POST if request.method == "POST" else None
    form = ClosedDayForm(data, areas=areas, every_area=every_area)
    written = write_form(form, _closed_day_create_as(request.user))
    if written:
        messages.success(request, _("Día sin atención agregado."))
        return redirect("hours")
    context = {"section": SECTION, "form": form}
    return render(request, "web/hours/closed_day_form.html", context, status=form_status(form))


@requires(EDIT_HOURS)
@require_http_methods(["GET", "POST"])
def closed_day_delete(request, closed_day_id: int):
    """GET asks for confirmation; POST deletes."""
    row = _closed_day(closed_day_id, request.user)
    if request.method == "POST":
        services.closed_day_delete(closed_day=row)
        messages.success(request, _("Día sin atención borrado."))
        return redirect("hours")
    return render(request, "web/hours/closed_day_delete.html", {"section": SECTION, "row": row})
