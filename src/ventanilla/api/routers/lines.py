from datetime import datetime

from ninja import Query, Schema, Status

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.providers import selectors, services
from ventanilla.providers.permissions import MANAGE_LINES, SYNC_TEMPLATES
from ventanilla.providers.templates import body_text, parameter_count

router = Router(tags=["lines"])


class LineOut(Schema):
    """A line as admins see it: secrets are never sent back, only whether they are set."""

    id: int
    provider: str
    display_name: str
    phone: str
    is_default: bool
    paused: bool
    state: str
    state_detail: str
    connected_since: datetime | None
    cloud_phone_number_id: str | None
    cloud_access_token_set: bool
    cloud_app_secret_set: bool
    cloud_verify_token_set: bool
    cloud_waba_id: str
    wpp_url: str
    wpp_session: str
    wpp_secret_key_set: bool
    wpp_webhook_token_set: bool

    @staticmethod
    def resolve_cloud_access_token_set(line) -> bool:
        return bool(line.cloud_access_token)

    @staticmethod
    def resolve_cloud_app_secret_set(line) -> bool:
        return bool(line.cloud_app_secret)

    @staticmethod
    def resolve_cloud_verify_token_set(line) -> bool:
        return bool(line.cloud_verify_token)

    @staticmethod
    def resolve_wpp_secret_key_set(line) -> bool:
        return bool(line.wpp_secret_key)

    @staticmethod
    def resolve_wpp_webhook_token_set(line) -> bool:
        return bool(line.wpp_webhook_token)


class LinePage(Schema):
    items: list[LineOut]
    next: str | None


class LineFields(Schema):
    display_name: str | None = None
    phone: str | None = None
    paused: bool | None = None
    cloud_phone_number_id: str | None = None
    cloud_access_token: str | None = None
    cloud_app_secret: str | None = None
    cloud_verify_token: str | None = None
    cloud_waba_id: str | None = None
    wpp_url: str | None = None
    wpp_secret_key: str | None = None
    wpp_session: str | None = None
    wpp_webhook_token: str | None = None


class LineIn(LineFields):
    provider: str


@router.get("", response=answers({200: LinePage}, *LIST, 403))
@requires(MANAGE_LINES)
def list_lines(request, page: Query[PageQuery]):
    items, next_cursor = keyset_page(selectors.line_list(), ordering=("id",), page=page)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: LineOut}, *WRITE))
@requires(MANAGE_LINES)
def create_line(request, payload: LineIn):
    fields = payload.dict(exclude_unset=True)
    provider = fields.pop("provider")
    fields = reject_nulls(fields, tuple(fields))
    return Status(201, services.line_create(provider=provider, **fields))


@router.get("/{line_id}", response=answers({200: LineOut}, *READ, 403, 404))
@requires(MANAGE_LINES)
def get_line(request, line_id: int):
    return selectors.line_get(line_id=line_id)


@router.patch("/{line_id}", response=answers({200: LineOut}, *WRITE, 404))
@requires(MANAGE_LINES)
def update_line(request, line_id: int, payload: LineFields):
    changes = payload.dict(exclude_unset=True)
    changes = reject_nulls(changes, tuple(changes))
    return services.line_update(line=selectors.line_get(line_id=line_id), **changes)


class TemplateOut(Schema):
    """A message template as last synced from Meta; `sendable`: approved, and of a shape the desk
    can send (body parameters only); `parameters`: how many the body takes."""

    id: int
    name: str
    language: str
    category: str
    status: str
    body: str
    parameters: int
    sendable: bool
    components: list[dict]
    synced_at: datetime

    @staticmethod
    def resolve_body(template) -> str:
        return body_text(template.components)

    @staticmethod
    def resolve_parameters(template) -> int:
        return parameter_count(template.components)

    @staticmethod
    def resolve_sendable(template) -> bool:
        return selectors.is_sendable(template)


class TemplateList(Schema):
    items: list[TemplateOut]


class SyncOut(Schema):
    templates: int


@router.get("/{line_id}/templates", response=answers({200: TemplateList}, *READ, 404))
@requires(SIGNED_IN)
def list_templates(request, line_id: int):
    """The line's message templates as last synced (empty on lines without templates)."""
    return {"items": selectors.template_list(line=selectors.line_get(line_id=line_id))}


@router.post("/{line_id}/templates/sync", response=answers({200: SyncOut}, *WRITE, 404, 502))
@requires(SYNC_TEMPLATES)
def sync_templates(request, line_id: int):
    """Reads the line's templates from its WhatsApp Business Account now (also done at start
    and every hour); 502 when Meta cannot be read."""
    line = selectors.line_get(line_id=line_id)
    return {"templates": services.templates_sync(line=line)}
