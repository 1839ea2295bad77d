import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Schema, Status

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.routers.conversations import (
    ConversationPage,
    MessageOut,
    SendIn,
    labelled_items,
)
from ventanilla.api.schemas import LIST, READ, WRITE, AreaRef, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.contacts import exporting, importing, services
from ventanilla.contacts.permissions import MANAGE_CONTACTS, check_contact_changes
from ventanilla.conversations import contact_merge, contact_selectors, selectors
from ventanilla.conversations import services as conversation_services
from ventanilla.conversations.permissions import REOPEN
from ventanilla.conversations.serializers import message_item
from ventanilla.core import clock
from ventanilla.core.errors import DomainError, InvalidInput
from ventanilla.core.permissions import SIGNED_IN

router = Router(tags=["contacts"])


class ContactOut(Schema):
    id: int
    name: str
    phone: str | None
    phone_verified: bool
    wa_user_id: str | None
    dni: str
    area: AreaRef | None
    created_at: datetime
    updated_at: datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None


class ContactQuery(PageQuery):
    q: str = ""


class ContactIn(Schema):
    name: str
    phone: str | None = None
    dni: str | None = ""
    area_id: int | None = None
    wa_user_id: str | None = None


class ContactPatch(Schema):
    name: str | None = None
    phone: str | None = None
    dni: str | None = None
    area_id: int | None = None
    wa_user_id: str | None = None


class ImportRejection(Schema):
    row: int
    errors: dict[str, list[str]]


class ImportReportOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: list[ImportRejection]
    dry_run: bool


class MergeIn(Schema):
    other_id: int


class DuplicateOut(Schema):
    contacts: list[ContactOut]
    reasons: list[str]


class DuplicatePage(Schema):
    items: list[DuplicateOut]
    next: str | None


class DuplicateQuery(Schema):
    limit: int = contact_merge.DUPLICATES_LIMIT


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "format": {"type": "string", "enum": ["csv", "json"]},
                        "payload": {
                            "oneOf": [
                                {"type": "string", "description": "the CSV file's text"},
                                {"type": "array", "items": {"type": "object"}},
                            ]
                        },
                        "dry_run": {"type": "boolean", "default": False},
                    },
                    "required": ["payload"],
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": ["csv", "json"]},
                        "dry_run": {"type": "boolean", "default": False},
                    },
                    "required": ["file"],
                }
            },
        },
    }
}
EXPORT_ANSWER = {
    "responses": {
        200: {
            "description": "name, phone, dni, area",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}
TRUE_WORDS = frozenset({"1", "true", "on", "yes", "si", "sí"})
FALSE_WORDS = frozenset({"", "0", "false", "off", "no"})


@router.get("", response=answers({200: ContactPage}, *LIST))
@requires(SIGNED_IN)
def list_contacts(request, query: Query[ContactQuery]):
    contacts = contact_selectors.contact_search(viewer_user=request.auth, q=query.q)
    items, next_cursor = keyset_page(contacts, ordering=("name", "id"), page=query)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: ContactOut}, *WRITE))
@requires(MANAGE_CONTACTS)
def create_contact(request, payload: ContactIn):
    contact = services.contact_create(**payload.dict())
    return Status(
        201, contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact.pk)
    )


# --- import, export, duplicates (before "/{contact_id}", which would match their paths) ------


def _form_flag(value: str | None) -> bool:
    word = (value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput.field("dry_run", _("Usá true o false."))


def _import_request(request) -> tuple[str | None, object, bool]:
    """(format, payload, dry_run) of a JSON body or a multipart upload."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput.field(
                "file", _("Adjuntá el archivo en el campo «file» del formulario.")
            )
        if upload.size > importing.MAX_BYTES:
            raise importing.too_large()
        data = upload.read()
        fmt = request.POST.get("format") or importing.format_of(upload.name or "", data)
        return fmt, data, _form_flag(request.POST.get("dry_run"))
    try:
        body = json.loads(request.body or b"null")
    except ValueError as error:
        raise DomainError(_("El cuerpo no es JSON válido."), {"body": [str(error)]}) from error
    if not isinstance(body, dict):
        raise InvalidInput.field(
            "body",
            _("Mandá %(body)s.")
            % {"body": '{"format": "csv"|"json", "payload": ..., "dry_run": bool}'},
        )
    fmt, payload, dry_run = body.get("format"), body.get("payload"), body.get("dry_run", False)
    if fmt is not None and not isinstance(fmt, str):
        raise InvalidInput.field("format", _("Usá «csv» o «json»."))
    if not isinstance(payload, str | list):
        raise InvalidInput.field("payload", _("Mandá el texto CSV o un arreglo JSON de objetos."))
    if not isinstance(dry_run, bool):
        raise InvalidInput.field("dry_run", _("Usá true o false."))
    return fmt, payload, dry_run


@router.post(
    "/import", response=answers({200: ImportReportOut}, *WRITE, 409), openapi_extra=IMPORT_BODY
)
@requires(MANAGE_CONTACTS)
def import_contacts(request):
    """CSV or JSON rows; the report counts created, updated, unchanged and rejected rows."""
    fmt, payload, dry_run = _import_request(request)
    report = importing.contacts_import_payload(fmt=fmt, payload=payload, dry_run=dry_run)
    return report.as_dict()


async def _streamed(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The pieces for an ASGI server, each read in the request's sync thread (the database)."""
    take = sync_to_async(lambda: next(pieces, None))
    try:
        while (piece := await take()) is not None:
            yield piece
    finally:
        await sync_to_async(pieces.close)()


@router.get("/export", response=answers({200: None}, 401, 403), openapi_extra=EXPORT_ANSWER)
@requires(MANAGE_CONTACTS)
def export_contacts(request):
    """Every contact with a phone as CSV (name, phone, dni, area), streamed."""
    pieces = exporting.export_csv()
    # each server gets the kind of iterator it streams without first reading it all
    content = _streamed(pieces) if isinstance(request, ASGIRequest) else pieces
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    filename = f"contactos-{clock.now().date().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/duplicates", response=answers({200: DuplicatePage}, *LIST, 403))
@requires(MANAGE_CONTACTS)
def list_duplicates(request, query: Query[DuplicateQuery]):
    """Pairs that may be one customer twice: the same DNI, or one phone in two forms."""
    pairs = contact_merge.duplicate_suggestions(limit=query.limit)
    items = [{"contacts": [p.first, p.second], "reasons": list(p.reasons)} for p in pairs]
    return {"items": items, "next": None}


@router.get("/{contact_id}", response=answers({200: ContactOut}, *READ, 404))
@requires(SIGNED_IN)
def get_contact(request, contact_id: int):
    return contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)


@router.patch("/{contact_id}", response=answers({200: ContactOut}, *WRITE, 404))
@requires(SIGNED_IN)
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)
    changes = payload.dict(exclude_unset=True)
    check_contact_changes(request.auth, changes)
    reject_nulls(changes, ("name",))
    services.contact_update(contact=contact, **changes)
    return contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)


@router.delete("/{contact_id}", response=answers({204: None}, *WRITE, 404, 409))
@requires(MANAGE_CONTACTS)
def delete_contact(request, contact_id: int):
    contact = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)
    services.contact_delete(contact=contact)
    return Status(204, None)


# --- merge, history ------------------------------------------------------------------------


@router.post("/{contact_id}/merge", response=answers({200: ContactOut}, *WRITE, 404, 409))
@requires(MANAGE_CONTACTS)
def merge_contacts(request, contact_id: int, payload: MergeIn):
    """Merges `other_id` into this contact, which is kept; conversations follow."""
    keep = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)
    if payload.other_id == contact_id:
        raise InvalidInput.field("other_id", _("Un contacto no se puede unir consigo mismo."))
    other = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=payload.other_id)
    contact_merge.contact_merge(keep=keep, other=other, by=request.auth)
    return contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)


@router.get("/{contact_id}/conversations", response=answers({200: ConversationPage}, *LIST, 404))
@requires(SIGNED_IN)
def list_contact_conversations(request, contact_id: int, page: Query[PageQuery]):
    """The contact's conversations the caller may see, newest first."""
    contact = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)
    conversations = selectors.contact_conversation_list(user=request.auth, contact_id=contact.pk)
    items, next_cursor = keyset_page(conversations, ordering=("-created_at", "-id"), page=page)
    return {"items": labelled_items(items), "next": next_cursor}


@router.post("/{contact_id}/follow-up", response=answers({201: MessageOut}, *WRITE, 404, 409))
@requires(REOPEN)
def follow_up(request, contact_id: int, payload: SendIn):
    """Writes to a contact after their conversation closed: the newest one is reopened and made
    the writer's (docs/chat.md#follow-up). Free text or a template (422 on `template.*` as any
    template send); 409 while one is open, or for free text outside WhatsApp's 24-hour window
    (send a template then)."""
    message = conversation_services.contact_follow_up(
        contact_id=contact_id,
        by=request.auth,
        text=payload.text or "",
        template=payload.template.dict() if payload.template else None,
    )
    return Status(201, message_item(message))
