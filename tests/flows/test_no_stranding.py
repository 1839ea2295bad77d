"""Finding 14: no path of a flow leaves a customer with nobody, the bot off and no person to
answer (ADR 0019). New flows cannot be saved so; flows saved before keep working without it."""

import pytest

from tests.flows.samples import build_tree
from ventanilla.accounts.models import Role
from ventanilla.accounts.services import area_update
from ventanilla.conversations import selectors
from ventanilla.conversations.models import Conversation, Message
from ventanilla.flows import engine
from ventanilla.flows.models import Flow, Node
from ventanilla.flows.services import flow_create
from ventanilla.inbound import sandbox

ALONE = (
    "Después de este paso nadie le responde al cliente: agregá un paso siguiente "
    "(un final que cierre la conversación o una derivación a un área)."
)
OPEN_END = (
    "Un final tiene que cerrar la conversación: si no, el cliente queda sin bot y sin nadie que "
    "lo atienda. Para que siga una persona, usá una derivación a un área."
)


def _flow(root: dict, **fields) -> dict:
    return {"name": "Corto", "is_default": True, "root": root, **fields}


# --- Refused when saved ----------------------------------------------------------------------


def test_finding_14_the_api_refuses_an_end_that_leaves_the_conversation_open(api, admin):
    # given a menu whose second option ends without closing the conversation
    menu = {
        "type": "menu",
        "text": "¿Qué necesitás?",
        "children": [
            {"type": "end", "label": "Nada", "close": True},
            {"type": "end", "label": "Horarios", "text": "De 8 a 18.", "close": False},
        ],
    }
    # when an admin saves it
    response = api(admin).post("/api/flows", _flow(menu))
    # then it is refused on that node's `close`, and nothing is written
    assert response.status_code == 422
    assert response.json()["errors"] == {"root.children.1.close": [OPEN_END]}
    assert (Flow.objects.count(), Node.objects.count()) == (0, 0)


def test_finding_14_the_api_refuses_a_message_or_question_with_no_next_step(api, admin):
    # given a menu whose options are a message and a question after which nothing comes
    menu = {
        "type": "menu",
        "text": "¿Qué necesitás?",
        "children": [
            {"type": "message", "label": "Horarios", "text": "De 8 a 18."},
            {"type": "question", "label": "Mi DNI", "field": "dni", "text": "¿DNI?"},
        ],
    }
    # when an admin saves it
    response = api(admin).post("/api/flows", _flow(menu))
    # then both are refused where the next step is missing, and nothing is written
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "root.children.0.children": [ALONE],
        "root.children.1.children": [ALONE],
    }
    assert (Flow.objects.count(), Node.objects.count()) == (0, 0)


def test_finding_14_an_end_closes_unless_told_otherwise(api, admin):
    # an end sent without `close` closes the conversation: that is what an end does now
    response = api(admin).post("/api/flows", _flow({"type": "end", "text": "Chau"}))

    assert response.status_code == 201
    assert response.json()["root"]["close"] is True
    assert Node.objects.get().close is True


# --- Flows saved before: closed, or handed to the fallback area ---------------------------------


def _legacy_flow(*, fallback=None, leaf: str = "end") -> Flow:
    """A default flow as an earlier version let it be saved: a greeting, then a step after which
    the bot stops and nobody takes over (written straight to the tables, as it is stored)."""
    flow = Flow.objects.create(name="Vieja", is_default=True, fallback_area=fallback)
    greeting = Node.objects.create(flow=flow, type="message", text="¡Hola!")
    if leaf == "end":
        Node.objects.create(flow=flow, parent=greeting, type="end", text="Chau.", close=False)
    return flow


def _customer_writes(text: str) -> Conversation:
    message = sandbox.customer_writes(
        phone="+5493515550000", name="Ana", text=text, message_id=f"legacy-{text}"
    )
    return Conversation.objects.get(pk=message.conversation_id)


def _bot_texts(conversation: Conversation) -> list[str]:
    rows = Message.objects.filter(conversation=conversation, sender_type="bot").order_by("pk")
    return list(rows.values_list("text", flat=True))


@pytest.mark.parametrize("leaf", ["end", "message"])
def test_finding_14_a_stored_flow_that_strands_hands_over_to_its_fallback_area(
    leaf, make_area, make_user, sandbox_line
):
    # given a legacy default flow with a fallback area, and an agent of that area
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    _legacy_flow(fallback=soporte, leaf=leaf)
    # when a customer walks it to its end
    conversation = _customer_writes("hola")
    # then the conversation waits in the fallback area, where its agent sees it
    assert (conversation.status, conversation.area_id, conversation.bot_active) == (
        "queued",
        soporte.pk,
        False,
    )
    assert list(selectors.conversation_list(user=agent).values_list("pk", flat=True)) == [
        conversation.pk
    ]
    assert _bot_texts(conversation) == (["¡Hola!", "Chau."] if leaf == "end" else ["¡Hola!"])


@pytest.mark.parametrize("leaf", ["end", "message"])
def test_finding_14_a_stored_flow_that_strands_closes_without_a_fallback_area(leaf, sandbox_line):
    # given a legacy default flow without a fallback area
    _legacy_flow(leaf=leaf)
    # when a customer walks it to its end
    conversation = _customer_writes("hola")
    # then the conversation is closed by the bot, so the next message starts afresh
    assert (conversation.status, conversation.closed_reason) == ("closed", "bot")
    again = _customer_writes("sigo acá")
    assert again.pk != conversation.pk
    assert _bot_texts(again)[0] == "¡Hola!"


@pytest.mark.parametrize("with_fallback", [True, False])
def test_finding_14_a_hand_off_to_an_area_deactivated_since_never_strands(
    with_fallback, make_area, sandbox_line
):
    # given a flow that hands customers to Ventas, which was deactivated after it was saved
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    flow_create(
        data=_flow(
            {"type": "redirect", "area_id": ventas.pk, "text": "Te paso con Ventas."},
            fallback_area_id=soporte.pk if with_fallback else None,
        )
    )
    area_update(area=ventas, is_active=False)
    # when a customer writes
    conversation = _customer_writes("hola")
    # then the fallback area takes the conversation, or the bot closes it
    if with_fallback:
        assert (conversation.status, conversation.area_id) == ("queued", soporte.pk)
    else:
        assert (conversation.status, conversation.closed_reason) == ("closed", "bot")
    assert _bot_texts(conversation) == ["Te paso con Ventas."]


def test_finding_14_a_conversation_left_stranded_before_starts_over_when_the_customer_writes(
    sandbox_line,
):
    # given a conversation an earlier version's flow left with the bot off and nobody
    stranded = _customer_writes("hola")
    Conversation.objects.filter(pk=stranded.pk).update(bot_active=False)
    flow_create(
        data={
            "name": "Nueva",
            "is_default": True,
            "root": {"type": "message", "text": "¡Hola!", "children": [{"type": "end"}]},
        }
    )
    # when the customer writes again
    conversation = _customer_writes("¿hay alguien?")
    # then the flow starts over for them in that same conversation, and this time ends it
    assert conversation.pk == stranded.pk
    assert _bot_texts(conversation) == ["¡Hola!"]
    assert (conversation.status, conversation.closed_reason) == ("closed", "bot")


def test_finding_14_the_engine_never_ends_with_nobody():
    # given a legacy tree: a greeting, then an end that does not close
    legacy = {"type": "message", "text": "Hola", "children": [{"type": "end", "close": False}]}
    # then without a fallback area it closes; with one, it hands over there
    assert engine.start(build_tree(legacy)).actions[-1] == engine.Action(engine.END, close=True)
    assert engine.start(build_tree(legacy, fallback_area_id=7)).actions[-1] == engine.Action(
        engine.REDIRECT, area_id=7
    )
