"""A webhook answered 200 is committed, even when the database connection dies in the bot's turn."""

import json

import pytest
from django.db import close_old_connections, connection

from tests.connection_cut import cut_connection
from tests.fakes.cloud_api import CLOUD_APP_SECRET, sign
from tests.flows.samples import one_question_flow
from tests.inbound.cloud_posts import cloud_webhook
from ventanilla.api.webhooks import handle_cloud_posts
from ventanilla.conversations.models import Message
from ventanilla.flows.services import flow_create
from ventanilla.inbound import bot


def _signed(message_id: str, phone: str) -> tuple[bytes, str]:
    raw = json.dumps(
        cloud_webhook({"id": message_id, "type": "text", "text": {"body": "hola"}}, phone=phone)
    ).encode()
    return raw, sign(raw, CLOUD_APP_SECRET)


@pytest.mark.django_db(transaction=True)
def test_a_connection_cut_in_the_bots_turn_is_never_answered_200(cloud_line, monkeypatch):
    flow_create(data=one_question_flow())
    carry_out = bot._carry_out
    cuts = []

    def cut_once(turn, result):
        if not cuts:
            cuts.append(turn.conversation.pk)
            cut_connection()
        return carry_out(turn, result)

    monkeypatch.setattr(bot, "_carry_out", cut_once)
    post = _signed("wamid.cut", "5493515557001")

    ((status, _),) = handle_cloud_posts([post])  # the bot's turn is the webhook's last write
    connection.close()  # what close_old_connections() does after a broken request

    assert cuts, "the bot's turn ran"
    assert status == 503
    assert not Message.objects.exists()

    # WhatsApp posts it again, as it does whatever did not get its 200: then it is stored once,
    # and the customer gets the bot's menu once
    close_old_connections()
    assert handle_cloud_posts([post])[0][0] == 200
    connection.close()
    assert list(Message.objects.filter(direction="in").values_list("provider_id", flat=True)) == [
        "wamid.cut"
    ]
    assert Message.objects.filter(direction="out", sender_type="bot").count() == 1
