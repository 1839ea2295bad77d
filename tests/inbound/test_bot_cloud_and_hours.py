"""The bot over the Cloud API (interactive menus answered by id) and after-hours hand-offs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.flows.samples import areas_menu_flow
from tests.inbound.cloud_posts import cloud_webhook, post_signed
from ventanilla.accounts.models import Role, User
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.flows.services import flow_create
from ventanilla.routing.services import drain_queues
from ventanilla.schedules.services import working_hour_create

pytestmark = pytest.mark.django_db(transaction=True)


def _menu_flow(soporte, ventas):
    return flow_create(data=areas_menu_flow(soporte.pk, ventas.pk))


def test_menu_goes_out_as_buttons_and_the_tapped_id_routes(
    cloud_line, fake_cloud_api, make_area, make_user
):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    flow = _menu_flow(soporte, ventas)
    seller = make_user(Role.SALES, areas=[ventas])
    User.objects.filter(pk=seller.pk).update(console_seen_until=clock.now() + timedelta(minutes=5))

    assert (
        post_signed(
            cloud_webhook({"id": "wamid.1", "type": "text", "text": {"body": "hola"}})
        ).status_code
        == 200
    )
    menu = fake_cloud_api.sent_messages()[0]
    assert menu["type"] == "interactive"
    assert menu["interactive"]["type"] == "button"
    buttons = menu["interactive"]["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == ["Soporte", "Ventas"]

    ventas_id = buttons[1]["reply"]["id"]
    tap = {"type": "button_reply", "button_reply": {"id": ventas_id, "title": "Ventas"}}
    assert (
        post_signed(
            cloud_webhook({"id": "wamid.2", "type": "interactive", "interactive": tap})
        ).status_code
        == 200
    )

    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.area_id, conversation.assigned_to_id) == (
        "active",
        ventas.pk,
        seller.pk,
    )
    assert conversation.bot_flow_id == flow.pk
    assert [m["text"]["body"] for m in fake_cloud_api.sent_messages()[1:]] == ["Ventas."]


def test_after_hours_courtesy_then_assigned_when_the_window_opens(
    sandbox_line, make_area, make_user, monkeypatch, settings
):
    from ventanilla.inbound import sandbox

    settings.TIME_ZONE = "America/Argentina/Buenos_Aires"
    zone = ZoneInfo(settings.TIME_ZONE)
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    _menu_flow(soporte, ventas)
    working_hour_create(
        area_id=soporte.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
    )
    agent = make_user(Role.SUPPORT, areas=[soporte])
    monday_night = datetime(2026, 11, 30, 22, 0, tzinfo=zone)  # a Monday, 22:00 local
    monkeypatch.setattr(clock, "now", lambda: monday_night)
    User.objects.filter(pk=agent.pk).update(console_seen_until=monday_night + timedelta(days=1))

    message = sandbox.customer_writes(
        phone="+5493515551111", name="Ana", text="hola", message_id="h1"
    )
    sandbox.customer_writes(phone="+5493515551111", name="Ana", text="1", message_id="h2")

    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert (conversation.status, conversation.area_id, conversation.assigned_to_id) == (
        "queued",
        soporte.pk,
        None,
    )
    texts = list(
        Message.objects.filter(direction="out").order_by("id").values_list("text", flat=True)
    )
    assert texts[-1].startswith("Nuestro horario de atención es de 8:00 a 18:00 hs.")

    # next morning at 8:01 the queue drains to the agent
    tuesday_morning = datetime(2026, 12, 1, 8, 1, tzinfo=zone)
    monkeypatch.setattr(clock, "now", lambda: tuesday_morning)
    assert drain_queues() == 1
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_to_id) == ("active", agent.pk)
