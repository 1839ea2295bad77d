"""Satisfaction surveys (docs/surveys.md, ADR 0031): an area's setting, the rating question sent
after a person closes a conversation, and the customer's answers, taken by the inbound pipeline
before a closed conversation's customer would start a new one."""

import logging
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import (
    Conversation,
    Message,
    MessageType,
    SenderType,
    Status,
)
from ventanilla.conversations.outbound import CUSTOMER_SERVICE_WINDOW, message_queue_outbound
from ventanilla.conversations.services import locked, open_key_of
from ventanilla.core import audit, clock
from ventanilla.core.db import database_unusable
from ventanilla.core.errors import control_characters_text, max_length_text
from ventanilla.core.fields import UNSET, FieldErrors
from ventanilla.core.text import fold, has_control_characters
from ventanilla.providers import capabilities
from ventanilla.providers.base import InboundMessage
from ventanilla.providers.models import Line
from ventanilla.surveys import selectors
from ventanilla.surveys.models import (
    MAX_RATING,
    MIN_RATING,
    Survey,
    SurveySetting,
    SurveyStatus,
)
from ventanilla.surveys.permissions import MANAGE_SURVEYS

log = logging.getLogger(__name__)

RATING_VALID_FOR = timedelta(hours=24)  # a rating counts this long after the question
COMMENT_VALID_FOR = timedelta(minutes=30)  # a comment, this long after the rating
MAX_QUESTION_LENGTH = 1024  # the body of a Cloud API interactive message
MAX_COMMENT_LENGTH = 1000  # the rest stays in the customer's message
RATING_TITLES = {1: "Muy mala", 2: "Mala", 3: "Regular", 4: "Buena", 5: "Excelente"}
OPTION_PREFIX = "survey:"
THANKS = "¡Gracias por tu respuesta!"
DECLINED = {"no", "nada", "no gracias", "ninguno", "-"}


# --- the area's setting ------------------------------------------------------------------------


def _question(errors: FieldErrors, field: str, value, default: str) -> str:
    """The text to keep: "" for the default one, so a better default reaches every area."""
    if not isinstance(value, str):
        errors.add(field, _("Escribí un texto."))
        return ""
    value = value.strip()
    if has_control_characters(value):
        errors.add(field, control_characters_text())
    elif len(value) > MAX_QUESTION_LENGTH:
        errors.add(field, max_length_text(MAX_QUESTION_LENGTH))
    return "" if value == default else value


def area_survey_update(
    *, by: User, area: Area, enabled=UNSET, question=UNSET, comment_question=UNSET
) -> selectors.AreaSurvey:
    """Turns the area's survey on or off and words its questions ("" puts back the default
    text); every field checked before anything is written."""
    MANAGE_SURVEYS.check(by)
    errors = FieldErrors()
    changes = {}
    if enabled is not UNSET:
        if not isinstance(enabled, bool):
            errors.add("enabled", _("Indicá sí o no."))
        changes["enabled"] = enabled
    if question is not UNSET:
        changes["question"] = _question(errors, "question", question, selectors.DEFAULT_QUESTION)
    if comment_question is not UNSET:
        changes["comment_question"] = _question(
            errors, "comment_question", comment_question, selectors.DEFAULT_COMMENT_QUESTION
        )
    errors.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                SurveySetting.objects.get_or_create(area=area)
        except IntegrityError:  # created by a concurrent request: it is there now
            pass
        row = SurveySetting.objects.select_for_update().get(area=area)
        before = {name: getattr(row, name) for name in changes}
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_by = by
        row.save()
        changed = audit.diff(before, changes)
        if changed:
            audit.record(
                "area.survey",
                target_type="area",
                target_id=area.pk,
                target_label=area.name,
                changes=changed,
                actor=by,
            )
    return selectors.area_survey(area=area)


# --- sending -----------------------------------------------------------------------------------


def on_conversation_closed(sender, *, conversation: Conversation, by: User | None, **kwargs):
    """`conversations.signals.conversation_closed`: a close by a person may send the survey. A
    survey that fails to go out never undoes the close.

    A survey still awaiting an answer when its conversation closes again (reopened meanwhile)
    ends: what the customer writes after this close answers no question they were just asked."""
    if conversation.assigned_at is not None:  # else only the bot talked: it never had one
        _end_awaiting(Survey.objects.filter(conversation=conversation))
    if by is None:
        return
    try:
        with transaction.atomic():
            survey_send(conversation=conversation, by=by)
    except Exception as error:
        if database_unusable(error):
            raise
        log.exception("the survey of conversation %s was not sent", conversation.pk)


def on_contact_merged(sender, *, keep: Contact, other_id: int, **kwargs) -> None:
    """`conversations.signals.contact_merged`: the surveys the merged contact's conversations
    await now await `keep`'s messages. Where both awaited one on a line, the newer still does
    and the older ends, as a newer survey ends an earlier one."""
    awaited = locked(
        Survey.objects.filter(awaiting_key__isnull=False, conversation__contact_id=keep.pk)
    ).values_list("pk", "conversation__line_id")
    newest_by_line: dict[int, int] = {}
    for survey_id, line_id in awaited.order_by("-sent_at", "-pk"):
        newest_by_line.setdefault(line_id, survey_id)
    newest = set(newest_by_line.values())
    _end_awaiting(Survey.objects.filter(conversation__contact_id=keep.pk).exclude(pk__in=newest))
    for line_id, survey_id in newest_by_line.items():
        Survey.objects.filter(pk=survey_id).update(awaiting_key=open_key_of(line_id, keep.pk))


def _in_window(conversation: Conversation) -> bool:
    last = conversation.last_inbound_at
    return last is not None and clock.now() - last < CUSTOMER_SERVICE_WINDOW


def rating_menu(question: str) -> dict:
    """The rating question as a menu: an interactive list of five rows where the line has them
    (the Cloud API allows three buttons), numbered text elsewhere (`rating_text`)."""
    return {
        "kind": "list",
        "body": question,
        "button": "Calificar",
        "options": [
            {"id": f"{OPTION_PREFIX}{n}", "title": _rating_title(n)}
            for n in range(MIN_RATING, MAX_RATING + 1)
        ],
    }


def _rating_title(n: int) -> str:
    return f"{n} · {RATING_TITLES[n]}"


def rating_text(question: str) -> str:
    lines = [_rating_title(n) for n in range(MIN_RATING, MAX_RATING + 1)]
    return "\n".join([question, "", *lines])


def survey_send(*, conversation: Conversation, by: User) -> Survey | None:
    """Sends the rating question of the conversation's area, when the area has its survey on,
    a person took part in the conversation, the customer wrote in the last 24 hours and the
    conversation never had one. Returns the survey, or None when none goes out."""
    if conversation.area_id is None or conversation.status != Status.CLOSED:
        return None
    setting = selectors.area_survey(area=conversation.area)
    if not setting.enabled or not _in_window(conversation):
        return None
    if Survey.objects.filter(conversation=conversation).exists():
        return None
    if conversation.assigned_at is None:  # only the bot talked: a person answers only once
        return None  # the conversation is theirs (agent_reply assigns it), so it was assigned
    key = open_key_of(conversation.line_id, conversation.contact_id)
    _end_awaiting(Survey.objects.filter(awaiting_key=key))  # an earlier one of this customer
    interactive = capabilities.of(conversation.line).interactive_menus
    message_queue_outbound(
        conversation=conversation,
        sender_type=SenderType.SYSTEM,
        text=rating_text(setting.question),
        type=MessageType.INTERACTIVE if interactive else MessageType.TEXT,
        payload=rating_menu(setting.question),
        check_window=False,  # checked above, on every line
    )
    now = clock.now()
    return Survey.objects.create(
        conversation=conversation,
        area_id=conversation.area_id,
        agent_id=conversation.assigned_to_id or by.pk,
        status=SurveyStatus.RATING,
        awaiting_key=key,
        answer_until=now + RATING_VALID_FOR,
        sent_at=now,
    )


# --- answers -----------------------------------------------------------------------------------

_RATING = re.compile(r"([1-5])(?:\s*/\s*5)?[.!]*")


def rating_of(inbound: InboundMessage) -> int | None:
    """The rating a customer's message gives: the row tapped in the list, or a text that is
    only a number from 1 to 5 ("4", "4/5", "4.") or a row's title ("4 · Buena", as the sandbox
    phone's buttons send it). Anything else is no rating."""
    payload = inbound.payload if isinstance(inbound.payload, dict) else {}
    option = str(payload.get("id") or "")
    if inbound.type == MessageType.INTERACTIVE and option.startswith(OPTION_PREFIX):
        digits = option.removeprefix(OPTION_PREFIX)
        return int(digits) if digits in {"1", "2", "3", "4", "5"} else None
    if inbound.type != MessageType.TEXT:
        return None
    text = fold(inbound.text or "")
    matched = _RATING.fullmatch(text)
    if matched:
        return int(matched.group(1))
    titles = {fold(_rating_title(n)): n for n in RATING_TITLES}
    return titles.get(text)


def _comment_of(inbound: InboundMessage) -> str | None:
    """A text message is the comment ("" when it declines: "no", "nada"); None for anything
    else (a photo, a sticker), which is not an answer."""
    if inbound.type != MessageType.TEXT or not (inbound.text or "").strip():
        return None
    text = inbound.text.strip()
    return "" if fold(text).rstrip(".!") in DECLINED else text[:MAX_COMMENT_LENGTH]


# a survey that stops awaiting is answered when it got its rating (the comment is optional)
_ENDED_STATUS = Case(
    When(rating__isnull=False, then=Value(SurveyStatus.ANSWERED)),
    default=Value(SurveyStatus.UNANSWERED),
)


def _end_awaiting(surveys) -> None:
    """Those of `surveys` still awaiting an answer stop awaiting (one UPDATE)."""
    surveys.filter(awaiting_key__isnull=False).update(awaiting_key=None, status=_ENDED_STATUS)


def _finish(survey: Survey) -> None:
    survey.awaiting_key = None
    survey.status = SurveyStatus.ANSWERED if survey.rating else SurveyStatus.UNANSWERED
    survey.save(update_fields=["awaiting_key", "status"])


StoreOn = Callable[[Conversation], Message]


def customer_answer(
    *, line: Line, contact: Contact, inbound: InboundMessage, store_on: StoreOn
) -> bool:
    """Takes the customer's message as the answer their survey awaits, if it is one: stored
    on the survey's (closed) conversation by `store_on(conversation)`, the survey updated and
    its next question (or thanks) queued. Returns False, and stops awaiting, for a message
    that is not an answer, or one past the survey's time: it goes its normal way."""
    key = open_key_of(line.pk, contact.pk)
    survey = locked(Survey.objects.filter(awaiting_key=key)).first()
    if survey is None:
        return False
    conversation = locked(
        Conversation.objects.select_related("line", "contact", "area").filter(
            pk=survey.conversation_id
        )
    ).get()
    if clock.now() >= survey.answer_until or conversation.status != Status.CLOSED:
        _finish(survey)
        return False
    if survey.status == SurveyStatus.RATING:
        return _rated(survey, conversation, inbound, store_on)
    return _commented(survey, conversation, inbound, store_on)


def _rated(survey: Survey, conversation: Conversation, inbound, store_on: StoreOn) -> bool:
    rating = rating_of(inbound)
    if rating is None:
        _finish(survey)
        return False
    store_on(conversation)
    now = clock.now()
    survey.rating, survey.rated_at = rating, now
    survey.status, survey.answer_until = SurveyStatus.COMMENT, now + COMMENT_VALID_FOR
    survey.save(update_fields=["rating", "rated_at", "status", "answer_until"])
    question = selectors.area_survey(area=conversation.area).comment_question
    _say(conversation, question)
    return True


def _commented(survey: Survey, conversation: Conversation, inbound, store_on: StoreOn) -> bool:
    comment = _comment_of(inbound)
    if comment is None:
        _finish(survey)
        return False
    store_on(conversation)
    survey.comment, survey.commented_at = comment, clock.now()
    survey.status, survey.awaiting_key = SurveyStatus.ANSWERED, None
    survey.save(update_fields=["comment", "commented_at", "status", "awaiting_key"])
    _say(conversation, THANKS)
    return True


def _say(conversation: Conversation, text: str) -> None:
    message_queue_outbound(
        conversation=conversation, sender_type=SenderType.SYSTEM, text=text, check_window=False
    )
