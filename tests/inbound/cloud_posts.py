"""Signed Cloud API webhooks as Meta posts them, for the inbound tests; and a customer's first
message on a Cloud line, for the tests of what goes out."""

import json

from django.test import Client

from tests.fakes.cloud_api import CLOUD_APP_SECRET, DEFAULT_PHONE_NUMBER_ID, sign
from ventanilla.conversations.models import Conversation
from ventanilla.inbound import pipeline
from ventanilla.providers.base import InboundMessage, ParsedWebhook


def cloud_webhook(message: dict, *, phone: str = "5493515551111", name: str = "Ana") -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "1", "phone_number_id": DEFAULT_PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": phone}],
        "messages": [{"from": phone, "timestamp": "1750030073", **message}],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def post_signed(body: dict):
    raw = json.dumps(body).encode()
    return Client().post(
        "/webhooks/whatsapp/cloud",
        data=raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(raw, CLOUD_APP_SECRET),
    )


def customer_writes(line, *, user_id: str = "", message_id: str = "wamid.IN1") -> Conversation:
    """Ana (5493515551111, and `user_id` when given) writes "hola" on `line` (a Cloud line, or any
    line: the pipeline is handed it): her conversation, as the pipeline stored it."""
    inbound = InboundMessage(
        provider_message_id=message_id,
        from_phone="5493515551111",
        from_user_id=user_id,
        profile_name="Ana",
        type="text",
        text="hola",
        line_key=line.cloud_phone_number_id,
    )
    pipeline.receive(line_for=lambda key: line, parsed=ParsedWebhook(messages=[inbound]))
    return Conversation.objects.get(line=line)
