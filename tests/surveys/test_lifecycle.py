"""A survey's life on the sandbox line: sent once after a person closes, answered with a rating
and a comment on the closed conversation, which stays closed and wakes no bot."""

from datetime import timedelta

import pytest

from tests.flows.samples import areas_menu_flow
from ventanilla.contacts.models import Contact
from ventanilla.conversations import services as conversations
from ventanilla.conversations.contact_merge import contact_merge
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.flows.services import flow_create
from ventanilla.inbound import sandbox
from ventanilla.surveys.models import Survey
from ventanilla.surveys.selectors import DEFAULT_COMMENT_QUESTION, DEFAULT_QUESTION
from ventanilla.surveys.services import THANKS, area_survey_update

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+5493515550101"
RATING_TEXT = "\n".join(
    [
        DEFAULT_QUESTION,
        "",
        "1 · Muy mala",
        "2 · Mala",
        "3 · Regular",
        "4 · Buena",
        "5 · Excelente",
    ]
)
_ids = iter(range(1, 1000))


def writes(text: str) -> Message:
    return sandbox.customer_writes(phone=PHONE, name="Ana", text=text, message_id=f"s{next(_ids)}")


def received() -> list[str]:
    return [m["text"] for m in sandbox.customer_received(phone=PHONE)]


@pytest.fixture
def served(sandbox_line, surveyed_area, agent):
    """Ana's conversation, answered by Sofía of Soporte."""
    conversation = Conversation.objects.get(pk=writes("hola").conversation_id)
    Conversation.objects.filter(pk=conversation.pk).update(area=surveyed_area)
    conversations.conversation_assign(conversation=conversation, user=agent)
    conversations.agent_reply(conversation=conversation, by=agent, text="¿En qué te ayudo?")
    conversation.refresh_from_db()
    return conversation


def close(conversation, by):
    return conversations.conversation_close(conversation=conversation, by=by)


def test_rated_and_commented_on_the_closed_conversation(served, agent, admin, make_area):
    flow_create(data=areas_menu_flow(make_area("Ventas").pk, make_area("Caja").pk))

    unread = served.unread_count
    close(served, agent)
    assert received()[-2:] == ["✅ Chat finalizado por el operador", RATING_TEXT]
    question = Message.objects.get(text=RATING_TEXT)
    assert (question.sender_type, question.status, question.type) == ("system", "sent", "text")
    assert [o["title"] for o in question.payload["options"]] == RATING_TEXT.split("\n")[2:]

    rating = writes("4")
    comment = writes("Muy amable")

    survey = Survey.objects.get()
    assert (survey.rating, survey.comment, survey.status, survey.awaiting_key) == (
        4,
        "Muy amable",
        "answered",
        None,
    )
    assert (survey.agent_id, survey.area_id) == (agent.pk, served.area_id)
    # both answers are stored on the closed conversation: nothing reopened, no bot, no new one
    assert {rating.conversation_id, comment.conversation_id} == {served.pk}
    assert Conversation.objects.count() == 1
    served.refresh_from_db()
    assert (served.status, served.unread_count, served.waiting_since) == ("closed", unread, None)
    assert received()[-2:] == [DEFAULT_COMMENT_QUESTION, THANKS]
    assert not Message.objects.filter(sender_type="bot").exists()

    # what the customer writes next is a new conversation, with the bot
    later = writes("Hola otra vez")
    assert later.conversation_id != served.pk
    assert Conversation.objects.get(pk=later.conversation_id).status == "bot"
    assert Message.objects.filter(sender_type="bot").exists()


def test_no_for_a_comment_keeps_the_rating_without_a_comment(served, agent):
    close(served, agent)
    writes("5")
    writes("No")
    survey = Survey.objects.get()
    assert (survey.rating, survey.comment, survey.status) == (5, "", "answered")
    assert received()[-1] == THANKS


def test_a_second_close_never_sends_it_again(served, agent, admin):
    close(served, agent)
    writes("3")
    conversations.conversation_reopen(conversation=served, by=admin)
    served.refresh_from_db()
    close(served, agent)

    assert received().count(RATING_TEXT) == 1
    assert Survey.objects.count() == 1


def test_a_survey_still_awaiting_ends_when_its_reopened_conversation_closes_again(
    served, agent, admin, make_area
):
    flow_create(data=areas_menu_flow(make_area("Ventas").pk, make_area("Caja").pk))
    close(served, agent)
    # reopened before Ana rated; she writes to the open conversation, Sofía closes it again
    conversations.conversation_reopen(conversation=served, by=admin)
    served.refresh_from_db()
    assert writes("Una cosa más").conversation_id == served.pk
    served.refresh_from_db()
    close(served, agent)

    # a "4" now was asked nothing: it goes its normal way (a new conversation, the bot)
    reply = writes("4")
    assert reply.conversation_id != served.pk
    survey = Survey.objects.get()
    assert (survey.rating, survey.status, survey.awaiting_key) == (None, "unanswered", None)
    assert received().count(RATING_TEXT) == 1


def test_a_reply_that_is_no_rating_is_handled_as_any_message(served, agent, make_area):
    flow_create(data=areas_menu_flow(make_area("Ventas").pk, make_area("Caja").pk))
    close(served, agent)

    reply = writes("Tengo otra consulta")

    # a new conversation with the bot's menu, as for any customer who writes
    assert reply.conversation_id != served.pk
    assert Conversation.objects.get(pk=reply.conversation_id).status == "bot"
    assert received()[-1].startswith("¿Con quién querés hablar?")
    survey = Survey.objects.get()
    assert (survey.rating, survey.status, survey.awaiting_key) == (None, "unanswered", None)
    # and a number now answers the bot's menu, not the survey
    assert writes("1").conversation_id == reply.conversation_id
    assert Survey.objects.get().rating is None


def test_a_photo_after_the_rating_ends_the_survey_and_goes_its_way(served, agent):
    close(served, agent)
    writes("2")
    from ventanilla.inbound import pipeline
    from ventanilla.providers.base import InboundMessage, ParsedWebhook
    from ventanilla.providers.services import line_sandbox

    line = line_sandbox()
    sticker = InboundMessage(
        provider_message_id="sandbox.in.sticker",
        from_phone=PHONE.lstrip("+"),
        from_user_id="",
        profile_name="Ana",
        type="sticker",
        text="",
    )
    pipeline.receive(line_for=lambda key: line, parsed=ParsedWebhook(messages=[sticker]))

    survey = Survey.objects.get()
    assert (survey.rating, survey.comment, survey.status) == (2, "", "answered")
    stored = Message.objects.get(provider_id="sandbox.in.sticker")
    assert stored.conversation_id != served.pk


def test_a_rating_after_the_question_expired_is_a_new_conversation(served, agent, monkeypatch):
    close(served, agent)
    later = clock.now() + timedelta(hours=25)
    monkeypatch.setattr(clock, "now", lambda: later)

    reply = writes("5")

    assert reply.conversation_id != served.pk
    survey = Survey.objects.get()
    assert (survey.rating, survey.status) == (None, "unanswered")


def test_not_sent_outside_the_customers_24_hours(served, agent, monkeypatch):
    later = clock.now() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)

    close(served, agent)

    assert RATING_TEXT not in received()
    assert not Survey.objects.exists()


def test_not_sent_after_a_bot_only_conversation(sandbox_line, surveyed_area, make_user):
    from ventanilla.accounts.models import Role

    lead = make_user(Role.SUPERVISOR, areas=[surveyed_area])
    conversation = Conversation.objects.get(pk=writes("hola").conversation_id)
    Conversation.objects.filter(pk=conversation.pk).update(area=surveyed_area)

    close(conversation, lead)  # a person closes it, but only the bot ever talked

    assert RATING_TEXT not in received()
    assert not Survey.objects.exists()


def test_not_sent_when_the_area_has_it_off(served, agent, admin, surveyed_area):
    area_survey_update(by=admin, area=surveyed_area, enabled=False)

    close(served, agent)

    assert RATING_TEXT not in received()
    assert not Survey.objects.exists()


def test_not_sent_when_the_bot_or_auto_close_closes(served):
    conversations.conversation_close(conversation=served, by=None, reason="auto_inactivity")

    assert RATING_TEXT not in received()
    assert not Survey.objects.exists()


def test_the_areas_own_question_goes_out(served, agent, admin, surveyed_area):
    area_survey_update(by=admin, area=surveyed_area, question="Del 1 al 5, ¿cómo te atendimos?")

    close(served, agent)

    assert received()[-1].startswith("Del 1 al 5, ¿cómo te atendimos?\n\n1 · Muy mala")


def test_the_thread_shows_the_answer_as_a_line(served, agent, admin_client):
    close(served, agent)
    question = Message.objects.get(text=RATING_TEXT)
    writes("4")

    caught_up = admin_client.get(f"/chats/{served.pk}/after/?m={question.pk}").content.decode()
    assert "<span>Encuesta: 4/5 · <time" in caught_up

    writes("Muy amable")

    page = admin_client.get(f"/chats/{served.pk}/").content.decode()
    assert page.count("Encuesta: 4/5 · «Muy amable»") == 1
    caught_up = admin_client.get(f"/chats/{served.pk}/after/?m={question.pk}").content.decode()
    assert "Encuesta: 4/5 · «Muy amable»" in caught_up


def _serve_and_close(phone: str, area, agent) -> Conversation:
    message = sandbox.customer_writes(phone=phone, name="Ana", text="hola", message_id=phone)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    Conversation.objects.filter(pk=conversation.pk).update(area=area)
    conversations.conversation_assign(conversation=conversation, user=agent)
    conversations.agent_reply(conversation=conversation, by=agent, text="¿En qué te ayudo?")
    conversation.refresh_from_db()
    close(conversation, agent)
    return conversation


def test_a_merged_customer_answers_the_survey_their_former_contact_awaited(
    served, agent, admin, make_area
):
    flow_create(data=areas_menu_flow(make_area("Ventas").pk, make_area("Caja").pk))
    close(served, agent)
    # an admin merges Ana's contact into the one she had been entered as, which takes her phone
    known = Contact.objects.create(name="Ana Pérez", dni="30111222", sandbox=True)
    contact_merge(keep=known, other=served.contact, by=admin)

    rating = writes("4")

    assert rating.conversation_id == served.pk
    survey = Survey.objects.get()
    assert (survey.rating, survey.status) == (4, "comment")
    assert Conversation.objects.count() == 1


def test_when_both_merged_contacts_await_one_the_newer_survey_still_does(
    surveyed_area, agent, admin, make_area, sandbox_line
):
    flow_create(data=areas_menu_flow(make_area("Ventas").pk, make_area("Caja").pk))
    kept_phone, merged_phone = "+5493515550102", "+5493515550103"
    older = _serve_and_close(kept_phone, surveyed_area, agent)
    newer = _serve_and_close(merged_phone, surveyed_area, agent)
    contact_merge(keep=older.contact, other=newer.contact, by=admin)

    sandbox.customer_writes(phone=kept_phone, name="Ana", text="5", message_id="rating")

    by_conversation = {s.conversation_id: s for s in Survey.objects.all()}
    assert (by_conversation[newer.pk].rating, by_conversation[newer.pk].status) == (5, "comment")
    assert (by_conversation[older.pk].status, by_conversation[older.pk].awaiting_key) == (
        "unanswered",
        None,
    )
