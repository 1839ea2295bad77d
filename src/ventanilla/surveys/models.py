from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.conversations.models import Conversation
from ventanilla.core.models import TimeStamped

MIN_RATING, MAX_RATING = 1, 5


class SurveySetting(TimeStamped):
    """An area's satisfaction survey, as an admin set it (docs/surveys.md). No row: off, with
    the default texts. An empty text stands for the default (services.DEFAULT_*)."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="survey_setting")
    enabled = models.BooleanField(default=False)
    question = models.CharField(max_length=1024, blank=True, default="")
    comment_question = models.CharField(max_length=1024, blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"survey of area {self.area_id}: {'on' if self.enabled else 'off'}"


class SurveyStatus(models.TextChoices):
    RATING = "rating", _("Esperando la calificación")
    COMMENT = "comment", _("Esperando el comentario")
    ANSWERED = "answered", _("Respondida")
    UNANSWERED = "unanswered", _("Sin respuesta")


AWAITING = (SurveyStatus.RATING, SurveyStatus.COMMENT)


class Survey(models.Model):
    """The satisfaction survey sent after a person closed `conversation`: at most one per
    conversation, whatever happens to it later (reopened, closed again)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # whose work and which area it rates, as they were at the close
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", db_index=False)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=SurveyStatus.choices)
    # "line:contact" while an answer is awaited, NULL after: the inbound pipeline finds the
    # survey a customer answers by this unique key (one awaited survey per customer and line)
    awaiting_key = models.CharField(max_length=64, null=True, blank=True)
    answer_until = models.DateTimeField()  # the awaited answer counts until then
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField()
    rated_at = models.DateTimeField(null=True, blank=True)
    commented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation"], name="one_survey_per_conversation"),
            models.UniqueConstraint(fields=["awaiting_key"], name="one_awaited_survey"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING),
                name="survey_rating_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["sent_at"])]  # the reports' window

    def __str__(self) -> str:
        return f"Survey {self.pk} of conversation {self.conversation_id} ({self.status})"
