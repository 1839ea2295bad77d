"""Signed Cloud API webhooks as Meta posts them, for the inbound tests."""

import json

from django.test import Client

from tests.fakes.cloud_api import CLOUD_APP_SECRET, DEFAULT_PHONE_NUMBER_ID, sign


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
