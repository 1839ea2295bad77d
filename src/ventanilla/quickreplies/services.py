"""Writes of quick replies. Every field is checked before anything is written."""

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area
from ventanilla.core import attachments
from ventanilla.core.errors import (
    InvalidInput,
    blank_text,
    max_length_text,
    unknown_area_text,
)
from ventanilla.core.fields import UNSET, FieldErrors, checked_text
from ventanilla.core.text import fold
from ventanilla.quickreplies.models import QuickReply, Scope, shelf_of
from ventanilla.quickreplies.permissions import check_manage

CODE_LIMIT, TITLE_LIMIT, TEXT_LIMIT = 30, 80, 4096
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _check_code(errors: FieldErrors, code: str) -> str:
    code = code.strip().lstrip("/")
    if not code:
        errors.add("code", blank_text())
    elif len(code) > CODE_LIMIT:
        errors.add("code", max_length_text(CODE_LIMIT))
    elif not set(fold(code)) <= CODE_CHARS:
        errors.add("code", _("Usá letras, números, guiones o guiones bajos, sin espacios."))
    return code


def _check_scope(errors: FieldErrors, scope: str, area_id: int | None) -> Area | None:
    if scope not in Scope.values:
        errors.add("scope", _("Usá desk, area o personal."))
        return None
    if scope != Scope.AREA:
        if area_id is not None:
            errors.add("area_id", _("Solo las respuestas de un área llevan área."))
        return None
    if area_id is None:
        errors.add("area_id", _("Elegí el área."))
        return None
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        errors.add("area_id", unknown_area_text(area_id))
    return area


def _check_file(errors: FieldErrors, file) -> attachments.Attachment | None:
    """`file` checked as an agent's attachment (its kind read from its bytes, WhatsApp's size
    for that kind): a file over its size is refused at once (413), any other problem joins
    `errors`."""
    try:
        attachment, _caption = attachments.checked(file)
    except InvalidInput as error:
        for message in error.errors.get("file", [error.detail]):
            errors.add("file", message)
        return None
    return attachment


def _put_file(reply: QuickReply, attachment: attachments.Attachment | None) -> None:
    """The reply's file becomes `attachment` (None: no file). The stored file it had stays:
    messages sent with it point at it."""
    if attachment is None:
        reply.file = ""
        reply.file_kind = reply.file_mime_type = reply.file_filename = ""
        reply.file_size = None
        return
    reply.file = File(attachment.file, name=attachment.stored_name())
    reply.file_kind = attachment.kind
    reply.file_mime_type = attachment.mime_type
    reply.file_filename = attachment.filename
    reply.file_size = attachment.size


def _taken_text(code: str) -> str:
    return _("Ya hay una respuesta «/%(code)s» en el mismo lugar.") % {"code": code}


def _save(reply: QuickReply) -> QuickReply:
    reply.code_key = fold(reply.code)
    reply.shelf = shelf_of(reply.scope, reply.area_id, reply.owner_id)
    clash = QuickReply.objects.filter(shelf=reply.shelf, code_key=reply.code_key)
    if reply.pk is not None:
        clash = clash.exclude(pk=reply.pk)
    if clash.exists():
        raise InvalidInput.field("code", _taken_text(reply.code))
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError as error:  # a concurrent request took the code first
        raise InvalidInput.field("code", _taken_text(reply.code)) from error
    return reply


def quick_reply_create(
    *,
    by,
    code: str,
    title: str,
    text: str,
    scope: str,
    area_id: int | None = None,
    file=None,
) -> QuickReply:
    """A reply on the shelf `scope` names, with an optional `file` sent with its text."""
    errors = FieldErrors()
    code = _check_code(errors, code)
    title = checked_text(errors, title, TITLE_LIMIT, "title", one_line=False)
    text = checked_text(errors, text, TEXT_LIMIT, "text", one_line=False)
    area = _check_scope(errors, scope, area_id)
    owner = by if scope == Scope.PERSONAL else None
    if not errors.errors:
        check_manage(by, scope=scope, area_id=area_id, owner_id=owner.pk if owner else None)
    attachment = _check_file(errors, file) if file is not None else None
    errors.raise_if_any()
    reply = QuickReply(code=code, title=title, text=text, scope=scope, area=area, owner=owner)
    _put_file(reply, attachment)
    return _save(reply)


def quick_reply_update(
    *, by, reply: QuickReply, code=UNSET, title=UNSET, text=UNSET, file=UNSET
) -> QuickReply:
    """Code, title, text and the file (None takes it away); where a reply lives (its scope)
    does not change."""
    check_manage(by, scope=reply.scope, area_id=reply.area_id, owner_id=reply.owner_id)
    errors = FieldErrors()
    if code is not UNSET:
        reply.code = _check_code(errors, code)
    if title is not UNSET:
        reply.title = checked_text(errors, title, TITLE_LIMIT, "title", one_line=False)
    if text is not UNSET:
        reply.text = checked_text(errors, text, TEXT_LIMIT, "text", one_line=False)
    attachment = _check_file(errors, file) if file not in (UNSET, None) else None
    errors.raise_if_any()
    if file is not UNSET:
        _put_file(reply, attachment)
    return _save(reply)


def quick_reply_delete(*, by, reply: QuickReply) -> None:
    check_manage(by, scope=reply.scope, area_id=reply.area_id, owner_id=reply.owner_id)
    reply.delete()
