"""Reads on lines."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ventanilla.core.errors import NotFound
from ventanilla.providers.models import Line


def line_list() -> QuerySet[Line]:
    return Line.objects.all()


def line_get(*, line_id: int) -> Line:
    line = Line.objects.filter(pk=line_id).first()
    if line is None:
        raise NotFound(_("Línea inexistente."))
    return line
