"""Satisfaction surveys sent and answered in a period (docs/analytics.md#satisfaction): the
report's per-agent, per-area and desk figures."""

from datetime import datetime

from django.db.models import Avg, Count, Q

from ventanilla.surveys.models import Survey


def _surveys(visible, start: datetime, end: datetime):
    """The surveys sent in the window, of conversations the viewer may see."""
    surveys = Survey.objects.filter(sent_at__gte=start, sent_at__lt=end)
    if visible.query.where:
        surveys = surveys.filter(conversation__in=visible.values("pk"))
    return surveys.order_by()


def _satisfaction_figures(sent: int, answered: int, average) -> dict:
    return {
        "sent": sent,
        "answered": answered,
        "share": round(answered / sent, 4) if sent else None,
        "average": round(average, 2) if average is not None else None,
    }


_SURVEY_COUNTS = {
    "sent": Count("id"),
    "answered": Count("id", filter=Q(rating__isnull=False)),
    "average": Avg("rating"),
}


def satisfaction(visible, start: datetime, end: datetime) -> dict:
    """The whole period's: surveys sent, answered (rated), the answered share, the average."""
    row = _surveys(visible, start, end).aggregate(**_SURVEY_COUNTS)
    return _satisfaction_figures(row["sent"], row["answered"], row["average"])


def satisfaction_by(visible, start: datetime, end: datetime, key: str, ids: set) -> dict:
    """`satisfaction` per agent or per area (`key`), for the rows `ids` of the table; a row
    without surveys shows zeros."""
    rows = _surveys(visible, start, end).values(key).annotate(**_SURVEY_COUNTS)
    found = {
        row[key]: _satisfaction_figures(row["sent"], row["answered"], row["average"])
        for row in rows
    }
    empty = _satisfaction_figures(0, 0, None)
    return {id_: {"satisfaction": found.get(id_, empty)} for id_ in ids}
