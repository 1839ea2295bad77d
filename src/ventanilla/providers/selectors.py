"""Reads on lines and their message templates."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ventanilla.core.errors import NotFound
from ventanilla.providers.models import Line, MessageTemplate, TemplateStatus
from ventanilla.providers.templates import unsupported_reason


def line_list() -> QuerySet[Line]:
    return Line.objects.all()


def line_get(*, line_id: int) -> Line:
    line = Line.objects.filter(pk=line_id).first()
    if line is None:
        raise NotFound(_("Línea inexistente."))
    return line


def template_list(*, line: Line, sendable: bool = False) -> list[MessageTemplate]:
    """The line's synced message templates by name; `sendable`: only the approved ones the desk
    can send (providers/templates.py)."""
    templates = list(MessageTemplate.objects.filter(line=line).order_by("name", "language"))
    return [t for t in templates if is_sendable(t)] if sendable else templates


def is_sendable(template: MessageTemplate) -> bool:
    return template.status == TemplateStatus.APPROVED and not unsupported_reason(
        template.components
    )


def template_find(*, line: Line, name: str, language: str) -> MessageTemplate | None:
    return MessageTemplate.objects.filter(line=line, name=name, language=language).first()


def template_summary(*, line: Line) -> dict:
    """How many templates the line has, how many the desk can send, and when they were read."""
    templates = template_list(line=line)
    last = max((t.synced_at for t in templates), default=None)
    sendable = sum(1 for t in templates if is_sendable(t))
    return {"count": len(templates), "sendable": sendable, "synced_at": last}
