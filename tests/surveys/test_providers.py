"""The rating question as each provider gets it: an interactive list of five rows on the Cloud API
(three buttons at most there), numbered text on WPPConnect; each provider's answer is taken."""

import pytest
from django.test import Client

from tests.fakes.wppconnect import WEBHOOK_TOKEN, message_event
from tests.inbound.cloud_posts import cloud_webhook, customer_writes, post_signed
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation
from ventanilla.surveys.models import Survey
from ventanilla.surveys.selectors import DEFAULT_COMMENT_QUESTION, DEFAULT_QUESTION

pytestmark = pytest.mark.django_db(transaction=True)


def _served_and_closed(conversation, area, agent):
    Conversation.objects.filter(pk=conversation.pk).update(area=area)
    conversations.conversation_assign(conversation=conversation, user=agent)
    conversations.agent_reply(conversation=conversation, by=agent, text="Listo, resuelto.")
    conversation.refresh_from_db()
    conversations.conversation_close(conversation=conversation, by=agent)


def test_cloud_gets_a_list_of_five_and_a_tapped_row_is_the_rating(
    cloud_line, fake_cloud_api, surveyed_area, agent
):
    conversation = customer_writes(cloud_line)
    _served_and_closed(conversation, surveyed_area, agent)

    question = fake_cloud_api.sent_messages()[-1]
    assert question == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5493515551111",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": DEFAULT_QUESTION},
            "action": {
                "button": "Calificar",
                "sections": [
                    {
                        "rows": [
                            {"id": "survey:1", "title": "1 · Muy mala"},
                            {"id": "survey:2", "title": "2 · Mala"},
                            {"id": "survey:3", "title": "3 · Regular"},
                            {"id": "survey:4", "title": "4 · Buena"},
                            {"id": "survey:5", "title": "5 · Excelente"},
                        ]
                    }
                ],
            },
        },
        "biz_opaque_callback_data": question["biz_opaque_callback_data"],
    }

    tap = {"type": "list_reply", "list_reply": {"id": "survey:5", "title": "5 · Excelente"}}
    answer = cloud_webhook({"id": "wamid.RATE", "type": "interactive", "interactive": tap})
    assert post_signed(answer).status_code == 200
    assert post_signed(answer).status_code == 200  # Meta delivers it again: taken once

    survey = Survey.objects.get()
    assert (survey.rating, survey.status) == (5, "comment")
    sent = fake_cloud_api.sent_messages()
    assert sent[-1]["text"]["body"] == DEFAULT_COMMENT_QUESTION
    assert [m.get("text", {}).get("body") for m in sent].count(DEFAULT_COMMENT_QUESTION) == 1
    assert Conversation.objects.get().status == "closed"


def _wpp(body):
    return Client().post(
        f"/webhooks/whatsapp/wppconnect/{WEBHOOK_TOKEN}", data=body, content_type="application/json"
    )


def test_wppconnect_gets_numbered_text_and_a_number_is_the_rating(
    wppconnect_line, fake_wppconnect, surveyed_area, agent
):
    fake_wppconnect.connect()
    assert _wpp(message_event("hola")).status_code == 200
    _served_and_closed(Conversation.objects.get(), surveyed_area, agent)

    question = fake_wppconnect.sent_messages()[-1]
    assert (question["endpoint"], question["phone"], question["message"]) == (
        "send-message",
        "5491122334455",
        f"{DEFAULT_QUESTION}\n\n1 · Muy mala\n2 · Mala\n3 · Regular\n4 · Buena\n5 · Excelente",
    )

    assert _wpp(message_event("3")).status_code == 200
    assert _wpp(message_event("La espera fue larga")).status_code == 200

    survey = Survey.objects.get()
    assert (survey.rating, survey.comment) == (3, "La espera fue larga")
    assert Conversation.objects.count() == 1
