"""Reads of quick replies: the ones a person may use, and their text filled in for a chat."""

from django.db.models import Q
from django.utils.translation import gettext as _

from ventanilla.accounts.permissions import is_admin
from ventanilla.core.attachments import KINDS, Attachment
from ventanilla.core.errors import NotFound
from ventanilla.quickreplies.models import QuickReply, Scope
from ventanilla.quickreplies.permissions import area_ids_of

MAX_LISTED = 500
VARIABLES = ("nombre", "agente", "area")  # {nombre}, {agente}, {area}


def quick_reply_list(*, user, chat_area_id: int | None = None, for_chat: bool = False):
    """The replies `user` may use, by code: the desk's, their own, and those of their areas (an
    admin: every area's). `for_chat`: those for a chat `user` may see, whose area is
    `chat_area_id`: the desk's, their own and that area's."""
    rows = _usable(user, chat_area_id, for_chat)
    return rows.select_related("area", "owner").order_by("code_key", "pk")[:MAX_LISTED]


def quick_reply_for_chat(*, user, quick_reply_id: int, chat_area_id: int | None) -> QuickReply:
    """A reply the "/" picker offers `user` in a chat of the area `chat_area_id`; 404 otherwise."""
    reply = _usable(user, chat_area_id, for_chat=True).filter(pk=quick_reply_id).first()
    if reply is None:
        raise NotFound(_("Respuesta rápida inexistente."))
    return reply


def _usable(user, chat_area_id: int | None, for_chat: bool):
    if for_chat:
        areas = Q(scope=Scope.AREA, area_id=chat_area_id) if chat_area_id else Q(pk__in=[])
    elif is_admin(user):
        areas = Q(scope=Scope.AREA)
    else:
        areas = Q(scope=Scope.AREA, area_id__in=area_ids_of(user))
    mine = Q(scope=Scope.PERSONAL, owner_id=user.pk)
    return QuickReply.objects.filter(Q(scope=Scope.DESK) | areas | mine)


def quick_reply_get(*, user, quick_reply_id: int) -> QuickReply:
    """A reply `user` may see (use); 404 otherwise."""
    rows = QuickReply.objects.filter(pk=quick_reply_id).select_related("area", "owner")
    reply = rows.first()
    if reply is None or not _may_see(user, reply):
        raise NotFound(_("Respuesta rápida inexistente."))
    return reply


def attachment_of(reply: QuickReply) -> Attachment | None:
    """The reply's file as an agent's attachment (checked when it was attached), kept where it
    is stored: a message sent with it points at the same file."""
    if not reply.file:
        return None
    return Attachment(
        kind=reply.file_kind,
        mime_type=reply.file_mime_type,
        filename=reply.file_filename,
        size=reply.file_size or reply.file.size,
        file=reply.file,
        stored_as=reply.file.name,
    )


def captioned(reply: QuickReply) -> bool:
    """Whether WhatsApp shows a text beside the reply's file (not beside audio or stickers)."""
    kind = KINDS.get(reply.file_kind)
    return bool(kind and kind.captioned)


def _may_see(user, reply: QuickReply) -> bool:
    if reply.scope == Scope.DESK:
        return True
    if reply.scope == Scope.PERSONAL:
        return reply.owner_id == user.pk
    return is_admin(user) or reply.area_id in area_ids_of(user)


def fill(text: str, *, name: str, agent: str, area: str) -> str:
    """`text` with {nombre}, {agente} and {area} replaced; any other brace stays as written."""
    values = {"nombre": name, "agente": agent, "area": area}
    for key in VARIABLES:
        text = text.replace("{" + key + "}", values[key])
    return text
