from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Schema, Status, UploadedFile

from ventanilla.api.routers.messages import MEDIA_ANSWER
from ventanilla.api.schemas import LIST, READ, WRITE, AreaRef, answers, reject_nulls
from ventanilla.api.security import Router, requires, takes_large_files
from ventanilla.conversations import selectors as conversations
from ventanilla.core.errors import NotFound
from ventanilla.core.fields import MAX_ID
from ventanilla.core.files import stored_file_response
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.quickreplies import selectors, services
from ventanilla.quickreplies.permissions import may_manage

router = Router(tags=["quick-replies"])


class OwnerRef(Schema):
    id: int
    name: str


class QuickReplyFileOut(Schema):
    url: str
    kind: str  # image, video, audio, document or sticker
    mime_type: str
    filename: str
    size: int | None
    captioned: bool  # whether the text goes beside it as its caption (else right after it)


class QuickReplyOut(Schema):
    id: int
    code: str
    title: str
    text: str
    scope: str  # desk, area or personal
    area: AreaRef | None
    owner: OwnerRef | None
    may_edit: bool  # whether the caller may change or delete it
    filled: str | None  # the text for ?conversation_id's chat, {nombre} {agente} {area} filled
    file: QuickReplyFileOut | None  # sent with the text (POST /{id}/file attaches it)
    updated_at: datetime


class QuickReplyList(Schema):
    items: list[QuickReplyOut]


class QuickReplyQuery(Schema):
    conversation_id: int | None = Field(None, ge=1, le=MAX_ID)


class QuickReplyIn(Schema):
    code: str
    title: str
    text: str
    scope: str = "personal"  # desk (admins), area (admins, the area's supervisors), personal
    area_id: int | None = Field(None, ge=1, le=MAX_ID)


class QuickReplyPatch(Schema):
    code: str | None = None
    title: str | None = None
    text: str | None = None


def reply_item(reply, user, filled: str | None = None) -> dict:
    owner = reply.owner
    return {
        "id": reply.pk,
        "code": reply.code,
        "title": reply.title,
        "text": reply.text,
        "scope": reply.scope,
        "area": {"id": reply.area.pk, "name": reply.area.name} if reply.area else None,
        "owner": {"id": owner.pk, "name": owner.display_name} if owner else None,
        "may_edit": may_manage(
            user, scope=reply.scope, area_id=reply.area_id, owner_id=reply.owner_id
        ),
        "filled": filled,
        "file": _file_item(reply),
        "updated_at": reply.updated_at,
    }


def _file_item(reply) -> dict | None:
    if not reply.file:
        return None
    return {
        "url": reverse("api:quick-reply-file", args=[reply.pk]),
        "kind": reply.file_kind,
        "mime_type": reply.file_mime_type,
        "filename": reply.file_filename,
        "size": reply.file_size,
        "captioned": selectors.captioned(reply),
    }


@router.get("", response=answers({200: QuickReplyList}, *LIST, 404))
@requires(SIGNED_IN)
def list_quick_replies(request, query: Query[QuickReplyQuery]):
    """The replies the caller may use, by code. With `conversation_id` (a chat the caller may
    see): those for that chat (the desk's, its area's, the caller's own), each `filled`."""
    user = request.auth
    if query.conversation_id is None:
        return {"items": [reply_item(r, user) for r in selectors.quick_reply_list(user=user)]}
    chat = conversations.conversation_get(user=user, conversation_id=query.conversation_id)
    values = {
        "name": chat.contact.name,
        "agent": user.display_name,
        "area": chat.area.name if chat.area else "",
    }
    replies = selectors.quick_reply_list(user=user, chat_area_id=chat.area_id, for_chat=True)
    return {"items": [reply_item(r, user, selectors.fill(r.text, **values)) for r in replies]}


@router.post("", response=answers({201: QuickReplyOut}, *WRITE))
@requires(SIGNED_IN)
def create_quick_reply(request, payload: QuickReplyIn):
    """Anyone keeps personal replies; 403 for a shelf the caller may not manage."""
    reply = services.quick_reply_create(by=request.auth, **payload.dict())
    return Status(201, reply_item(reply, request.auth))


@router.patch("/{quick_reply_id}", response=answers({200: QuickReplyOut}, *WRITE, 404))
@requires(SIGNED_IN)
def update_quick_reply(request, quick_reply_id: int, payload: QuickReplyPatch):
    changes = reject_nulls(payload.dict(exclude_unset=True), ("code", "title", "text"))
    reply = selectors.quick_reply_get(user=request.auth, quick_reply_id=quick_reply_id)
    reply = services.quick_reply_update(by=request.auth, reply=reply, **changes)
    return reply_item(reply, request.auth)


@router.delete("/{quick_reply_id}", response=answers({204: None}, *WRITE, 404))
@requires(SIGNED_IN)
def delete_quick_reply(request, quick_reply_id: int):
    reply = selectors.quick_reply_get(user=request.auth, quick_reply_id=quick_reply_id)
    services.quick_reply_delete(by=request.auth, reply=reply)
    return Status(204, None)


@router.post("/{quick_reply_id}/file", response=answers({200: QuickReplyOut}, *WRITE, 404))
@requires(SIGNED_IN)
@takes_large_files
def attach_file(request, quick_reply_id: int, file: File[UploadedFile]):
    """The file sent with the reply (multipart `file`; it replaces the one it had), checked as
    agents' attachments: its kind read from its bytes, WhatsApp's size for that kind (413 names
    the limit, 422 a file WhatsApp does not take); 403 for a reply the caller may not manage."""
    reply = selectors.quick_reply_get(user=request.auth, quick_reply_id=quick_reply_id)
    reply = services.quick_reply_update(by=request.auth, reply=reply, file=file)
    return reply_item(reply, request.auth)


@router.delete("/{quick_reply_id}/file", response=answers({200: QuickReplyOut}, *WRITE, 404))
@requires(SIGNED_IN)
def detach_file(request, quick_reply_id: int):
    """The reply goes on without a file (messages sent with it keep theirs)."""
    reply = selectors.quick_reply_get(user=request.auth, quick_reply_id=quick_reply_id)
    reply = services.quick_reply_update(by=request.auth, reply=reply, file=None)
    return reply_item(reply, request.auth)


@router.get(
    "/{quick_reply_id}/file",
    url_name="quick-reply-file",
    response=answers({200: None}, *READ, 404),
    openapi_extra=MEDIA_ANSWER,
)
@requires(SIGNED_IN)
def reply_file(request, quick_reply_id: int):
    """The reply's stored file, for those who may use the reply."""
    reply = selectors.quick_reply_get(user=request.auth, quick_reply_id=quick_reply_id)
    if not reply.file:
        raise NotFound(_("Esta respuesta rápida no tiene archivo."))
    return stored_file_response(reply.file, reply.file_mime_type, reply.file_filename)
