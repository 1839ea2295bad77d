"""Messages going out: the customer-service window, a message queued for sending (by a person, a
survey or the bot), the bot's turn written together, and what a person may send (free text or a
template, checked whole)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import File
from django.db.models import Case, DateTimeField, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.conversations.models import (
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageType,
    SenderType,
)
from ventanilla.conversations.publishing import publish_message, send_after_commit
from ventanilla.conversations.serializers import message_item
from ventanilla.conversations.visibility import audience_of
from ventanilla.core import attachments, clock, events
from ventanilla.core.db import insert_rows, save_fields
from ventanilla.core.errors import Conflict, InvalidInput
from ventanilla.core.fields import FieldErrors
from ventanilla.providers import capabilities
from ventanilla.providers.models import Line, TemplateStatus
from ventanilla.providers.selectors import template_find
from ventanilla.providers.templates import (
    body_component,
    parameter_count,
    parameter_problem,
    render,
    unsupported_reason,
)

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
MAX_TEXT_LENGTH = 4096


def window_open(conversation: Conversation, line: Line) -> bool:
    """Whether free text may be sent: on a line with a customer-service window (the Cloud API), for
    24 h after the customer wrote."""
    if not capabilities.of(line).customer_service_window:
        return True
    last = conversation.last_inbound_at
    return last is not None and clock.now() - last < CUSTOMER_SERVICE_WINDOW


def _media_fields(attachment: attachments.Attachment | None) -> dict:
    if attachment is None:
        return {}
    stored = attachment.stored_as or File(attachment.file, name=attachment.stored_name())
    return {
        "media_file": stored,
        "media_mime_type": attachment.mime_type,
        "media_filename": attachment.filename,
        "media_size": attachment.size,
    }


def _answered(now: datetime) -> dict:
    """What an agent's message changes: nobody waits any more, the first response since the
    conversation came to its area is this one unless there was one (routing clears it), and so
    is the first reply since its assignment (the assignment clears it)."""
    at_now = Value(now, output_field=DateTimeField())
    since_assigned = Case(When(assigned_at__lte=now, then=at_now), output_field=DateTimeField())
    return {
        "waiting_since": None,
        "first_responded_at": Coalesce("first_responded_at", at_now),
        "first_reply_since_assigned_at": Coalesce("first_reply_since_assigned_at", since_assigned),
    }


def message_queue_outbound(
    *,
    conversation: Conversation,
    sender_type: str,
    text: str = "",
    sender_user: User | None = None,
    type: str = MessageType.TEXT,
    payload: dict | None = None,
    check_window: bool = True,
    attachment: attachments.Attachment | None = None,
    reply_to_provider_id: str = "",
) -> Message:
    """Writes an outgoing message as `queued`; the send job is enqueued when this commits. With
    an `attachment` (checked by `attachments.checked`) the message is of its kind, `text` its
    caption, and the file is stored with it."""
    type = attachment.kind if attachment else type
    text = _checked_text(text, type)
    line = conversation.line
    if check_window and type != MessageType.TEMPLATE and not window_open(conversation, line):
        raise Conflict(
            _(
                "Pasaron más de 24 horas desde el último mensaje del cliente: ahora WhatsApp solo "
                "acepta plantillas."
            ),
            {"text": [_("La ventana de 24 horas está cerrada.")]},
        )
    now = clock.now()
    message = Message.objects.create(
        conversation=conversation,
        line=line,
        direction=Direction.OUT,
        sender_type=sender_type,
        sender_user=sender_user,
        type=type,
        text=text,
        payload=payload or {},
        reply_to_provider_id=reply_to_provider_id,
        status=DeliveryStatus.QUEUED,
        status_history=[{"status": DeliveryStatus.QUEUED, "at": now.isoformat()}],
        created_at=now,
        **_media_fields(attachment),
    )
    answered = _answered(now) if sender_type == SenderType.AGENT else {}
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_activity_at=now, **answered
    )
    publish_message("message:new", message)
    send_after_commit(message)
    return message


def _checked_text(text: str, type: str) -> str:
    text = text.strip() if type == MessageType.TEXT else text
    if type == MessageType.TEXT and not text:
        raise InvalidInput.field("text", _("Escribí un mensaje."))
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput.field(
            "text",
            _("WhatsApp acepta hasta %(limit_value)d caracteres.")
            % {"limit_value": MAX_TEXT_LENGTH},
        )
    return text


@dataclass(frozen=True)
class BotReply:
    text: str
    type: str = MessageType.TEXT
    payload: dict | None = None


def bot_turn_record(
    *, conversation: Conversation, replies: list[BotReply], bot_state: dict
) -> list[Message]:
    """The bot's replies of one turn queued together with its new state (`bot_state`: fields of
    the conversation): the messages by one INSERT (one each where the database cannot return a
    batch's ids), the state and the last message by one UPDATE, their `message:new` events by
    one statement; each sent after commit as `message_queue_outbound`'s are. `conversation` is
    the caller's, locked by it and current: its audience is taken as it is (nothing read)."""
    now = clock.now()
    messages = [
        Message(
            conversation=conversation,
            line=conversation.line,
            direction=Direction.OUT,
            sender_type=SenderType.BOT,
            type=reply.type,
            text=_checked_text(reply.text, reply.type),
            payload=reply.payload or {},
            status=DeliveryStatus.QUEUED,
            status_history=[{"status": DeliveryStatus.QUEUED, "at": now.isoformat()}],
            created_at=now,
        )
        for reply in replies
    ]
    insert_rows(messages)
    written = dict(bot_state)
    if messages:
        written.update(last_message=messages[-1], last_activity_at=now)
    for name, value in written.items():
        setattr(conversation, name, value)
    if written:
        save_fields([conversation], list(written))
    if messages:
        audience = audience_of(conversation)
        events.publish_many([("message:new", message_item(m), audience) for m in messages])
    for message in messages:
        send_after_commit(message)
    return messages


def _template_problems(line: Line, template: dict, errors: FieldErrors) -> tuple[str, dict]:
    """The rendered text and the payload of a template send, after every check WhatsApp would
    make (docs/whatsapp.md#templates); problems go to `errors`, named `template.<field>`."""
    if not capabilities.of(line).message_templates:
        errors.add("template", _("Esta línea no usa plantillas: escribí el mensaje."))
        return "", {}
    name, language = template.get("name"), template.get("language")
    parameters = template.get("parameters")
    parameters = [] if parameters is None else parameters
    if not isinstance(name, str) or not name.strip():
        errors.add("template.name", _("Elegí una plantilla."))
    if not isinstance(language, str) or not language.strip():
        errors.add("template.language", _("Indicá el idioma de la plantilla."))
    if not isinstance(parameters, list):
        errors.add("template.parameters", _("Los parámetros van en una lista de textos."))
    if errors.errors:
        return "", {}
    found = template_find(line=line, name=name.strip(), language=language.strip())
    if found is None:
        errors.add(
            "template.name",
            _("La línea no tiene la plantilla «%(name)s» en %(language)s.")
            % {"name": name, "language": language},
        )
        return "", {}
    if found.status != TemplateStatus.APPROVED:
        errors.add(
            "template.name",
            _("La plantilla no está aprobada (%(status)s).") % {"status": found.status},
        )
    elif unsupported_reason(found.components):
        errors.add("template.name", unsupported_reason(found.components))
    expected = parameter_count(found.components)
    if len(parameters) != expected:
        errors.add(
            "template.parameters",
            _("La plantilla lleva %(expected)d parámetros y llegaron %(given)d.")
            % {"expected": expected, "given": len(parameters)},
        )
    for index, value in enumerate(parameters):
        problem = parameter_problem(value)
        if problem:
            errors.add(f"template.parameters.{index}", problem)
    if errors.errors:
        return "", {}
    payload = {
        "name": found.name,
        "language": found.language,
        "category": found.category,
        "parameters": parameters,
        "components": body_component(parameters),
    }
    return render(found.components, parameters), payload


def outbound_content(*, line: Line, text: str | None, template: dict | None) -> dict:
    """What a person sends, checked whole: free text, or a template with its parameters, as
    `message_queue_outbound`'s keywords. One of the two, never both."""
    errors = FieldErrors()
    if template is not None and text:
        errors.add("text", _("Mandá un texto o una plantilla, no los dos."))
    elif template is not None:
        rendered, payload = _template_problems(line, template, errors)
        errors.raise_if_any()
        if len(rendered) > MAX_TEXT_LENGTH:
            raise InvalidInput.field(
                "template.parameters",
                _("WhatsApp acepta hasta %(limit_value)d caracteres.")
                % {"limit_value": MAX_TEXT_LENGTH},
            )
        return {"type": MessageType.TEMPLATE, "text": rendered, "payload": payload}
    errors.raise_if_any()
    return {"type": MessageType.TEXT, "text": text or ""}
