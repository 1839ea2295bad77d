"""The composer's template picker (and "Nuevo chat"'s): the line's sendable templates, the one
chosen, its parameters pre-filled from the contact (`{{1}}` = the contact's name) and the preview
of what the customer will read. chat/templates.js redraws the same when the agent picks another
template or types a parameter."""

from dataclasses import dataclass, field

from django.utils import dateformat
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from ventanilla.conversations import outbound
from ventanilla.conversations.models import Conversation, Status
from ventanilla.core import clock
from ventanilla.core.fields import id_from_text
from ventanilla.providers import capabilities
from ventanilla.providers.models import Line, MessageTemplate
from ventanilla.providers.selectors import template_list
from ventanilla.providers.templates import body_text, parameter_count, render


@dataclass
class Choice:
    template: MessageTemplate
    body: str
    count: int
    selected: bool = False


@dataclass
class Parameter:
    number: int
    value: str
    errors: list[str] = field(default_factory=list)


@dataclass
class Picker:
    choices: list[Choice]
    parameters: list[Parameter]
    preview: str
    open: bool  # the window is closed: templates are all the agent may send
    errors: list[str] = field(default_factory=list)


def prefilled(count: int, contact_name: str) -> list[str]:
    return [contact_name if number == 1 else "" for number in range(1, count + 1)]


def picker(
    lines: list[Line],
    *,
    contact_name: str,
    window_closed: bool,
    chosen_id: int | None = None,
    values: list[str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Picker | None:
    """What the picker shows: the sendable templates of `lines`; None when none of them has
    templates."""
    lines = [line for line in lines if capabilities.of(line).message_templates]
    if not lines:
        return None
    errors = errors or {}
    choices = [
        Choice(template=t, body=body_text(t.components), count=parameter_count(t.components))
        for line in lines
        for t in template_list(line=line, sendable=True)
    ]
    chosen = next((c for c in choices if c.template.pk == chosen_id), None)
    chosen = chosen or (choices[0] if choices else None)
    parameters, preview = [], ""
    if chosen is not None:
        chosen.selected = True
        given = values if values is not None else prefilled(chosen.count, contact_name)
        given = (list(given) + [""] * chosen.count)[: chosen.count]
        parameters = [
            Parameter(i + 1, value, errors.get(f"template.parameters.{i}", []))
            for i, value in enumerate(given)
        ]
        preview = render(chosen.template.components, given)
    general = [
        m for f, ms in errors.items() if not f.startswith("template.parameters.") for m in ms
    ]
    return Picker(choices, parameters, preview, window_closed, general)


def window_closed(conversation: Conversation) -> bool:
    line = conversation.line
    return capabilities.of(line).customer_service_window and not outbound.window_open(
        conversation, line
    )


def picker_for(conversation: Conversation, *, follow_up: bool = False, **given) -> Picker | None:
    """The picker of an open conversation, or of a closed one the viewer may follow up
    (`follow_up`: sending reopens it); None otherwise, or on lines without templates."""
    if conversation.status == Status.CLOSED and not follow_up:
        return None
    return picker(
        [conversation.line],
        contact_name=conversation.contact.name,
        window_closed=window_closed(conversation),
        **given,
    )


def window_closed_text(conversation: Conversation) -> str:
    """What the locked composer says: that the window closed, and when."""
    last = conversation.last_inbound_at
    if last is None:
        return _(
            "El cliente todavía no escribió: WhatsApp solo acepta plantillas hasta que lo haga."
        )
    closed = localtime(last + outbound.CUSTOMER_SERVICE_WINDOW)
    return _(
        "La ventana de 24 h cerró el %(when)s (hace %(ago)s): WhatsApp solo acepta plantillas "
        "hasta que el cliente vuelva a escribir."
    ) % {"when": dateformat.format(closed, "j/n H:i"), "ago": timesince(closed, clock.now())}


def posted_template(post, line_id: int) -> tuple[int | None, dict | None]:
    """The picker's fields as the services take a template: (the chosen id, {"name",
    "language", "parameters"}), or a None template when the id names none of the line's."""
    chosen_id = id_from_text(post.get("template", ""))
    template = MessageTemplate.objects.filter(pk=chosen_id, line_id=line_id).first()
    if template is None:
        return chosen_id, None
    values = post.getlist("parameter")
    return chosen_id, {"name": template.name, "language": template.language, "parameters": values}
