"""The satisfaction survey panel of an area's edit screen (docs/surveys.md)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.surveys.selectors import AreaSurvey
from ventanilla.surveys.services import MAX_QUESTION_LENGTH
from ventanilla.web.forms import ConsoleForm


class AreaSurveyForm(ConsoleForm):
    enabled = forms.BooleanField(
        label=_("Enviar la encuesta de satisfacción al cerrar una conversación"), required=False
    )
    question = forms.CharField(
        label=_("Pregunta de la calificación (1 a 5)"),
        required=False,
        max_length=MAX_QUESTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vacía: el texto de siempre. Las opciones del 1 al 5 se agregan solas."),
    )
    comment_question = forms.CharField(
        label=_("Pregunta del comentario"),
        required=False,
        max_length=MAX_QUESTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def of(cls, survey: AreaSurvey, data=None) -> "AreaSurveyForm":
        initial = {
            "enabled": survey.enabled,
            "question": survey.question,
            "comment_question": survey.comment_question,
        }
        return cls(data=data, initial=initial, prefix="survey")
