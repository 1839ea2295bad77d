"""Reads of satisfaction surveys: an area's setting, and the answers a thread shows."""

from dataclasses import dataclass

from django.db.models import Q

from ventanilla.accounts.models import Area
from ventanilla.surveys.models import Survey, SurveySetting

DEFAULT_QUESTION = (
    "¿Cómo calificarías la atención que recibiste? Respondé con un número del 1 (muy mala) "
    "al 5 (excelente)."
)
DEFAULT_COMMENT_QUESTION = (
    "¡Gracias! Si querés, contanos en un mensaje qué te pareció. Si no, escribí «no»."
)


@dataclass(frozen=True)
class AreaSurvey:
    """An area's survey as it goes out: the texts an admin wrote, else the defaults."""

    area_id: int
    enabled: bool
    question: str
    comment_question: str


def area_survey(*, area: Area) -> AreaSurvey:
    row = SurveySetting.objects.filter(area=area).first()
    return AreaSurvey(
        area_id=area.pk,
        enabled=bool(row and row.enabled),
        question=(row and row.question) or DEFAULT_QUESTION,
        comment_question=(row and row.comment_question) or DEFAULT_COMMENT_QUESTION,
    )


def answered_surveys(*, conversation_ids, rated_from=None, rated_before=None, changed_since=None):
    """The rated surveys of these conversations (one query), for the threads that show them:
    rated in [rated_from, rated_before), and rated or commented since `changed_since`."""
    rows = Survey.objects.filter(conversation_id__in=conversation_ids, rating__isnull=False)
    if rated_from is not None:
        rows = rows.filter(rated_at__gte=rated_from)
    if rated_before is not None:
        rows = rows.filter(rated_at__lt=rated_before)
    if changed_since is not None:
        rows = rows.filter(Q(rated_at__gte=changed_since) | Q(commented_at__gte=changed_since))
    return rows.order_by("rated_at", "pk")
