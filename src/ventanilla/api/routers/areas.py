from ninja import Query, Schema, Status
from pydantic import StrictInt

from ventanilla.accounts import selectors, services
from ventanilla.accounts.permissions import MANAGE_AREAS
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.surveys import selectors as surveys
from ventanilla.surveys import services as survey_services
from ventanilla.surveys.permissions import MANAGE_SURVEYS

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    # minutes of the area's working hours; null: no target (docs/routing.md#response-time-targets)
    first_response_target_minutes: int | None
    resolution_target_minutes: int | None


class AreaPage(Schema):
    items: list[AreaOut]
    next: str | None


class AreaIn(Schema):
    name: str
    description: str = ""
    is_active: bool = True
    first_response_target_minutes: StrictInt | None = None
    resolution_target_minutes: StrictInt | None = None


class AreaPatch(Schema):
    name: str | None = None
    description: str | None = None
    is_active: bool | None = None
    first_response_target_minutes: StrictInt | None = None  # null: no target
    resolution_target_minutes: StrictInt | None = None


@router.get("", response=answers({200: AreaPage}, *LIST))
@requires(SIGNED_IN)
def list_areas(request, page: Query[PageQuery]):
    items, next_cursor = keyset_page(selectors.area_list(), ordering=("name_key", "id"), page=page)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: AreaOut}, *WRITE))
@requires(MANAGE_AREAS)
def create_area(request, payload: AreaIn):
    return Status(201, services.area_create(**payload.dict()))


@router.get("/{area_id}", response=answers({200: AreaOut}, *READ, 404))
@requires(SIGNED_IN)
def get_area(request, area_id: int):
    return selectors.area_get(area_id=area_id)


@router.put("/{area_id}", response=answers({200: AreaOut}, *WRITE, 404))
@requires(MANAGE_AREAS)
def replace_area(request, area_id: int, payload: AreaIn):
    return services.area_update(area=selectors.area_get(area_id=area_id), **payload.dict())


@router.patch("/{area_id}", response=answers({200: AreaOut}, *WRITE, 404))
@requires(MANAGE_AREAS)
def update_area(request, area_id: int, payload: AreaPatch):
    changes = reject_nulls(payload.dict(exclude_unset=True), ("name", "description", "is_active"))
    return services.area_update(area=selectors.area_get(area_id=area_id), **changes)


class AreaSurveyOut(Schema):
    """The area's satisfaction survey (docs/surveys.md): the texts that go out."""

    area_id: int
    enabled: bool
    question: str
    comment_question: str


class AreaSurveyIn(Schema):
    enabled: bool
    question: str = ""  # "": the default text
    comment_question: str = ""


class AreaSurveyPatch(Schema):
    enabled: bool | None = None
    question: str | None = None
    comment_question: str | None = None


@router.get("/{area_id}/survey", response=answers({200: AreaSurveyOut}, *READ, 404))
@requires(SIGNED_IN)
def get_area_survey(request, area_id: int):
    return surveys.area_survey(area=selectors.area_get(area_id=area_id))


@router.put("/{area_id}/survey", response=answers({200: AreaSurveyOut}, *WRITE, 404))
@requires(MANAGE_SURVEYS)
def replace_area_survey(request, area_id: int, payload: AreaSurveyIn):
    area = selectors.area_get(area_id=area_id)
    return survey_services.area_survey_update(by=request.auth, area=area, **payload.dict())


@router.patch("/{area_id}/survey", response=answers({200: AreaSurveyOut}, *WRITE, 404))
@requires(MANAGE_SURVEYS)
def update_area_survey(request, area_id: int, payload: AreaSurveyPatch):
    fields = ("enabled", "question", "comment_question")
    changes = reject_nulls(payload.dict(exclude_unset=True), fields)
    area = selectors.area_get(area_id=area_id)
    return survey_services.area_survey_update(by=request.auth, area=area, **changes)
