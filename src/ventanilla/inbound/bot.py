"""The bot's turn after a customer's message: run the flow engine, then carry out its actions.

The engine (flows.engine) decides; this module does: sends texts and menus through the outbox,
stores contact fields, hands the conversation to routing, ends or closes it. Everything happens
in the webhook's transaction, so the customer's message and the bot's answer are stored together.
"""

import logging
from collections.abc import Callable

from django.db import transaction

from ventanilla.accounts.models import Area
from ventanilla.contacts.models import UNKNOWN_NAME
from ventanilla.contacts.services import contact_update
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation, MessageType, SenderType, Status
from ventanilla.core import clock
from ventanilla.core.db import database_unusable
from ventanilla.core.errors import DomainError
from ventanilla.flows import engine, selectors
from ventanilla.flows.models import Flow
from ventanilla.providers import capabilities
from ventanilla.routing.services import route_to_area
from ventanilla.schedules.selectors import area_is_open

log = logging.getLogger(__name__)

MAX_BUTTONS = 3


def on_customer_message(
    conversation: Conversation, message, *, new_conversation: bool, before_writing: Callable
) -> None:
    """The bot's answer, unless the line is paused, a person has the conversation or no flow
    applies. Deciding reads flows from memory; only carrying out writes, after
    `before_writing()` (the pipeline stores the customer's messages waiting in its batch)."""
    if conversation.line.paused or conversation.status != Status.BOT:
        return
    # the bot off while nobody has it: an earlier version's flow ended there (ADR 0019)
    left_alone = not conversation.bot_active
    try:
        turn = _decide(conversation, message, new_conversation=new_conversation or left_alone)
    except Exception as error:
        if database_unusable(error):
            raise
        log.exception("the bot failed on conversation %s; the message is stored", conversation.pk)
        return
    if turn is None:
        return
    before_writing()  # not guarded: the customer's message must be stored or fail loudly
    try:
        with transaction.atomic():  # a failing bot must not lose the customer's message
            _remember(conversation, *turn)
            _carry_out(conversation, turn[1])
    except Exception as error:
        if database_unusable(error):
            raise  # the webhook's transaction is lost too: the provider must retry it
        log.exception("the bot failed on conversation %s; the message is stored", conversation.pk)


def _decide(conversation: Conversation, message, *, new_conversation: bool):
    """(flow tree, engine result) for this message, or None when no flow applies."""
    text = message.text or ""
    interactive = message.type == MessageType.INTERACTIVE
    reply_id = (message.payload or {}).get("id") if interactive else None
    contact = conversation.contact
    # what is on file: a question that asks only when unknown is skipped for these
    name = "" if contact.name == UNKNOWN_NAME else contact.name
    fields = {"name": name, "dni": contact.dni}
    restart = selectors.flow_tree_for_trigger(text=text)
    if restart is not None:
        return restart, engine.start(restart, contact_fields=fields)
    tree = _current_tree(conversation)
    if tree is None:
        return None
    if new_conversation or conversation.bot_flow_id != tree.id:
        return tree, engine.start(tree, contact_fields=fields)
    state = engine.BotState(node_id=conversation.bot_node_id, misses=conversation.bot_misses)
    return tree, engine.step(tree, state, text, reply_id, contact_fields=fields)


def _current_tree(conversation: Conversation):
    if conversation.bot_flow_id is not None:
        try:
            return selectors.running_flow_tree(flow_id=conversation.bot_flow_id)
        except DomainError:  # the flow was deleted: start over with the default one
            pass
    return selectors.default_flow_tree()


def _remember(conversation: Conversation, tree, result) -> None:
    exit_fields = {}
    if result.exit:  # where the flow let the conversation go, for the reports (docs/analytics.md)
        exit_fields = {"bot_exit": result.exit, "bot_exit_node_id": result.exit_node_id}
    Conversation.objects.filter(pk=conversation.pk).update(
        bot_flow_id=tree.id,
        bot_node_id=result.state.node_id,
        bot_misses=result.state.misses,
        bot_active=result.bot_active,
        **exit_fields,
    )
    conversation.bot_flow_id, conversation.bot_node_id = tree.id, result.state.node_id
    conversation.bot_misses, conversation.bot_active = result.state.misses, result.bot_active


def _carry_out(conversation: Conversation, result) -> None:
    hand_off = next((a.text for a in result.actions if a.hand_off), "")
    for action in result.actions:
        if action.kind == engine.SEND_TEXT and action.hand_off:
            continue  # `_hand_over` sends it, when the area is open
        if action.kind == engine.SEND_TEXT:
            _send(conversation, action.text)
        elif action.kind == engine.SEND_MENU:
            _send_menu(conversation, action)
        elif action.kind == engine.STORE_FIELD:
            contact_update(contact=conversation.contact, **{action.field: action.value})
        elif action.kind == engine.REDIRECT:
            _hand_over(conversation, action.area_id, hand_off)
        elif action.kind == engine.END and action.close:
            _close(conversation)


def _hand_over(conversation: Conversation, area_id: int, hand_off: str = "") -> None:
    """To the area; one deactivated since the flow was saved gives way to the flow's fallback
    area, else the conversation is closed: never left with nobody (ADR 0019). The redirect's
    `hand_off` text goes first while the area is open; outside its hours routing sends the
    area's after-hours text instead ("Te paso con Soporte" would promise what nobody keeps)."""
    area = Area.objects.filter(pk=area_id, is_active=True).first()
    if area is None:
        flows = Flow.objects.filter(pk=conversation.bot_flow_id, fallback_area__is_active=True)
        area = Area.objects.filter(pk__in=flows.values("fallback_area_id")).first()
    if area is None:
        _send(conversation, hand_off)  # as before ADR 0030: said, then closed (ADR 0019)
        _close(conversation)
        return
    if hand_off and area_is_open(area_id=area.pk, at=clock.now()):
        _send(conversation, hand_off)
    route_to_area(conversation=conversation, area=area)


def _close(conversation: Conversation) -> None:
    conversations.conversation_close(
        conversation=conversation, by=None, reason=conversations.BOT_CLOSED_REASON, message=""
    )


def _send(conversation: Conversation, text: str) -> None:
    if text.strip():
        conversations.message_queue_outbound(
            conversation=conversation, sender_type=SenderType.BOT, text=text, check_window=False
        )


def _send_menu(conversation: Conversation, action) -> None:
    """Interactive buttons or a list where the line has them (the Cloud API); elsewhere numbered
    text, with the options kept in the payload (the sandbox phone shows them as buttons)."""
    options = [{"id": key, "title": title} for key, title in action.options]
    payload = {
        "kind": "buttons" if len(options) <= MAX_BUTTONS else "list",
        "body": action.text,
        "options": options,
        "button": "Ver opciones",
    }
    interactive = capabilities.of(conversation.line).interactive_menus
    conversations.message_queue_outbound(
        conversation=conversation,
        sender_type=SenderType.BOT,
        text=action.text,
        type=MessageType.INTERACTIVE if interactive else MessageType.TEXT,
        payload=payload,
        check_window=False,
    )
