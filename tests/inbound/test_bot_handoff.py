"""Through the sandbox line: the bot greets, the customer picks, routing hands over."""

from datetime import timedelta

import pytest

from ventanilla.accounts.models import Role, User
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.flows.services import flow_create
from ventanilla.inbound import sandbox


def _flow(soporte, ventas):
    return flow_create(
        data={
            "name": "Principal",
            "is_default": True,
            "is_active": True,
            "triggers": ["hola", "menu"],
            "invalid_option_text": "Opción inválida.",
            "fallback_area_id": soporte.pk,
            "root": {
                "type": "message",
                "text": "¡Hola! Soy el asistente.",
                "children": [
                    {
                        "type": "question",
                        "text": "¿Cuál es tu DNI?",
                        "field": "dni",
                        "children": [
                            {
                                "type": "menu",
                                "text": "¿En qué te ayudamos?",
                                "children": [
                                    {
                                        "type": "redirect",
                                        "label": "Soporte",
                                        "trigger": "soporte",
                                        "area_id": soporte.pk,
                                        "text": "Te paso con Soporte.",
                                    },
                                    {
                                        "type": "redirect",
                                        "label": "Ventas",
                                        "trigger": "ventas",
                                        "area_id": ventas.pk,
                                        "text": "Te paso con Ventas.",
                                    },
                                    {
                                        "type": "end",
                                        "label": "Nada más",
                                        "text": "¡Chau!",
                                        "close": True,
                                    },
                                ],
                            }
                        ],
                    }
                ],
            },
        }
    )


@pytest.fixture
def desk(make_area, make_user, sandbox_line):
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    _flow(soporte, ventas)
    present = clock.now() + timedelta(minutes=5)
    agents = [make_user(Role.SUPPORT, areas=[soporte], name=f"Agente {n}") for n in range(2)]
    User.objects.filter(pk__in=[a.pk for a in agents]).update(console_seen_until=present)
    return soporte, ventas, agents


def _say(phone, text, n=[0]):  # noqa: B006 - a counter for unique ids
    n[0] += 1
    return sandbox.customer_writes(phone=phone, name="Ana", text=text, message_id=f"b{n[0]}")


def _bot_texts(conversation_id):
    return list(
        Message.objects.filter(conversation_id=conversation_id, direction="out")
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_greeting_question_menu_then_handoff_to_the_least_loaded_agent(desk):
    soporte, _, agents = desk

    first = _say("+5493515551111", "hola")
    _say("+5493515551111", "30.123.456")
    _say("+5493515551111", "1")

    conversation = Conversation.objects.get(pk=first.conversation_id)
    texts = _bot_texts(conversation.pk)
    assert texts[0] == "¡Hola! Soy el asistente."
    assert texts[1] == "¿Cuál es tu DNI?"
    assert texts[2].startswith("¿En qué te ayudamos?")
    assert "1. Soporte" in texts[2]
    assert texts[3] == "Te paso con Soporte."
    assert Contact.objects.get().dni == "30123456"
    assert (conversation.status, conversation.area_id) == ("active", soporte.pk)
    assert conversation.assigned_to_id in {a.pk for a in agents}
    assert conversation.bot_active is False

    # a second customer goes to the other agent (fewest open conversations)
    second = _say("+5493515552222", "hola")
    _say("+5493515552222", "20111222")
    _say("+5493515552222", "soporte")
    other = Conversation.objects.get(pk=second.conversation_id)
    assert {conversation.assigned_to_id, other.assigned_to_id} == {a.pk for a in agents}


def test_three_wrong_answers_go_to_the_fallback_area(desk):
    soporte, _, _ = desk
    first = _say("+5493515553333", "hola")
    _say("+5493515553333", "12345678")
    for answer in ["99", "banana", "🙂"]:
        _say("+5493515553333", answer)

    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.area_id == soporte.pk
    assert conversation.status in ("active", "queued")
    assert _bot_texts(conversation.pk).count("Opción inválida.") == 2


def test_paused_line_stores_but_does_not_answer(desk, sandbox_line):
    sandbox_line.paused = True
    sandbox_line.save()

    message = _say("+5493515554444", "hola")

    assert Message.objects.filter(pk=message.pk).exists()
    assert _bot_texts(message.conversation_id) == []


def test_nobody_available_queues(desk):
    _, _, agents = desk
    User.objects.filter(pk__in=[a.pk for a in agents]).update(availability="away")
    first = _say("+5493515555555", "hola")
    _say("+5493515555555", "12345678")
    _say("+5493515555555", "1")

    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert (conversation.status, conversation.assigned_to_id) == ("queued", None)


def test_end_option_closes_the_conversation(desk):
    first = _say("+5493515556666", "hola")
    _say("+5493515556666", "12345678")
    _say("+5493515556666", "3")

    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.status == "closed"
    assert _bot_texts(conversation.pk)[-1] == "¡Chau!"


def test_finding_15a_a_first_message_that_is_another_flows_trigger_starts_that_flow(desk):
    # given a second, non-default flow restarted by "precios"
    prices = flow_create(
        data={
            "name": "Precios",
            "is_default": False,
            "is_active": True,
            "triggers": ["precios"],
            "root": {"type": "end", "text": "Nuestra lista de precios.", "close": True},
        }
    )
    # when a new customer's very first message is that trigger
    first = _say("+5493515557777", "Precios")
    # then that flow answers, not the default one
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.bot_flow_id == prices.pk
    assert _bot_texts(conversation.pk) == ["Nuestra lista de precios."]


def test_finding_15b_a_conversation_the_bot_closes_says_why(desk):
    # given a customer who reaches the menu
    first = _say("+5493515558888", "hola")
    _say("+5493515558888", "12345678")
    # when they pick the option that ends and closes the conversation
    _say("+5493515558888", "3")
    # then it is closed by nobody, with the bot's reason, in the row and in its history
    conversation = Conversation.objects.get(pk=first.conversation_id)
    closed = conversation.events.get(kind="closed")
    assert (conversation.status, conversation.closed_by_id) == ("closed", None)
    assert conversation.closed_reason == "bot"
    assert closed.data == {"reason": "bot"}
