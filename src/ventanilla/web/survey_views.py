"""An area's satisfaction survey, set on the area's edit screen (docs/surveys.md)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ventanilla.accounts import selectors as accounts
from ventanilla.surveys import selectors, services
from ventanilla.surveys.permissions import MANAGE_SURVEYS
from ventanilla.web.access import requires
from ventanilla.web.forms import AreaForm, write_form
from ventanilla.web.survey_forms import AreaSurveyForm
from ventanilla.web.views import _area_page, _found, _member_form


@requires(MANAGE_SURVEYS)
@require_POST
def area_survey(request, area_id: int):
    area = _found(accounts.area_get, area_id=area_id)
    form = AreaSurveyForm.of(selectors.area_survey(area=area), data=request.POST)
    if write_form(form, services.area_survey_update, by=request.user, area=area):
        messages.success(request, _("Encuesta de «%(name)s» guardada.") % {"name": area.name})
        return redirect("area_edit", area_id=area.pk)
    page_form, members = AreaForm.for_area(area), _member_form(area)
    return _area_page(request, area, page_form, members, status=422, survey_form=form)
