"""The bot reads what it knows: a question that asks only when unknown (the default) is skipped
for a returning customer whose field is on file; and outside an area's hours its after-hours
text replaces the redirect's hand-off text."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.flows.samples import (
    MENU,
    OPT_VENTAS,
    SOPORTE,
    VENTAS,
    areas_menu_flow,
    build_tree,
    demo_flow,
    demo_root,
)
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.flows import engine
from ventanilla.flows.services import flow_create
from ventanilla.inbound import sandbox
from ventanilla.schedules.services import working_hour_create


def _choose_ventas(fields: dict, **question) -> engine.StepResult:
    root = demo_root(SOPORTE, VENTAS)
    root["children"][0]["children"][1].update(question)  # the "Ventas" option asks the DNI
    tree = build_tree(root)
    return engine.step(tree, engine.BotState(MENU), "2", contact_fields=fields)


def test_a_dni_on_file_is_not_asked_again():
    result = _choose_ventas({"name": "Ana", "dni": "30111222"})

    assert result.texts() == ["Gracias, te atiende Ventas."]
    assert [a.kind for a in result.actions] == [engine.SEND_TEXT, engine.REDIRECT]
    assert not any(a.kind == engine.STORE_FIELD for a in result.actions)


def test_an_unknown_dni_is_asked():
    result = _choose_ventas({"name": "Ana", "dni": ""})

    assert result.texts() == ["¿Cuál es tu DNI?"]
    assert result.state == engine.BotState(OPT_VENTAS)
    assert result.bot_active


def test_a_question_may_ask_every_time():
    result = _choose_ventas({"dni": "30111222"}, ask_only_when_unknown=False)

    assert result.texts() == ["¿Cuál es tu DNI?"]


def test_a_skipped_last_question_hands_the_customer_to_the_fallback():
    tree = build_tree(
        {"type": "question", "field": "dni", "text": "¿DNI?"}, fallback_area_id=SOPORTE
    )
    result = engine.start(tree, contact_fields={"dni": "30111222"})
    assert [a.kind for a in result.actions] == [engine.REDIRECT]
    assert result.actions[0].area_id == SOPORTE


def test_the_redirect_text_is_marked_as_the_hand_off():
    result = _choose_ventas({"dni": "30111222"})
    assert [a.hand_off for a in result.actions] == [True, False]


# --- Through a real webhook ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_returning_customer_with_a_dni_goes_straight_on(sandbox_line, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    flow_create(data=demo_flow(soporte.pk, ventas.pk))
    Contact.objects.create(name="Ana", phone="+5493515550001", dni="30111222", sandbox=True)

    for key, text in (("k1", "hola"), ("k2", "2")):
        sandbox.customer_writes(phone="+5493515550001", name="Ana", text=text, message_id=key)

    sent = list(Message.objects.filter(direction="out").values_list("text", flat=True))
    conversation = Conversation.objects.get()
    assert "¿Cuál es tu DNI?" not in sent
    assert sent[-1] == "Gracias, te atiende Ventas."
    assert (conversation.status, conversation.area_id) in (
        ("queued", ventas.pk),
        ("active", ventas.pk),
    )


@pytest.mark.django_db
def test_after_hours_the_courtesy_replaces_the_hand_off_text(
    sandbox_line, make_area, monkeypatch, settings
):
    settings.TIME_ZONE = "America/Argentina/Buenos_Aires"
    zone = ZoneInfo(settings.TIME_ZONE)
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    flow_create(data=areas_menu_flow(soporte.pk, ventas.pk))
    working_hour_create(
        area_id=soporte.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
    )
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 30, 22, 0, tzinfo=zone))

    for key, text in (("a1", "hola"), ("a2", "1")):
        sandbox.customer_writes(phone="+5493515550002", name="Ana", text=text, message_id=key)

    sent = list(
        Message.objects.filter(direction="out").order_by("id").values_list("text", flat=True)
    )
    assert "Soporte." not in sent
    assert sent[-1].startswith("Nuestro horario de atención es de 8:00 a 18:00 hs.")
    assert len(sent) == 2  # the menu, then the courtesy alone


@pytest.mark.django_db
def test_within_hours_the_hand_off_text_goes_before_the_agent(sandbox_line, make_area):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    flow_create(data=areas_menu_flow(soporte.pk, ventas.pk))

    for key, text in (("b1", "hola"), ("b2", "1")):
        sandbox.customer_writes(phone="+5493515550003", name="Ana", text=text, message_id=key)

    sent = list(
        Message.objects.filter(direction="out").order_by("id").values_list("text", flat=True)
    )
    assert sent[-1] == "Soporte."
