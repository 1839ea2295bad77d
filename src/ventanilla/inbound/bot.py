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
from ventanilla.conversations import outbound
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation, MessageType, Status
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
            _carry_out(_Turn(conversation, *turn), turn[1])
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


class _Turn:
    """What the turn writes to its conversation, held until something else needs it stored:
    the bot's new state and the replies said so far go out together (`bot_turn_record`)."""

    def __init__(self, conversation: Conversation, tree, result):
        self.conversation = conversation
        self.state = {
            "bot_flow_id": tree.id,
            "bot_node_id": result.state.node_id,
            "bot_misses": result.state.misses,
            "bot_active": result.bot_active,
        }
        if result.exit:  # where the flow let it go, for the reports (docs/analytics.md)
            self.state.update(bot_exit=result.exit, bot_exit_node_id=result.exit_node_id)
        self.replies: list[outbound.BotReply] = []
        self.stored = False

    def say(self, reply: outbound.BotReply) -> None:
        self.replies.append(reply)

    def store(self) -> None:
        """The state (once) and the replies so far, before routing or closing reads them."""
        if self.stored and not self.replies:
            return
        outbound.bot_turn_record(
            conversation=self.conversation,
            replies=self.replies,
            bot_state={} if self.stored else self.state,
        )
        self.replies, self.stored = [], True


def _carry_out(turn: _Turn, result) -> None:
    conversation = turn.conversation
    hand_off = next((a.text for a in result.actions if a.hand_off), "")
    for action in result.actions:
        if action.kind == engine.SEND_TEXT and action.hand_off:
            continue  # `_hand_over` sends it, when the area is open
        if action.kind == engine.SEND_TEXT:
            _send(turn, action.text)
        elif action.kind == engine.SEND_MENU:
            _send_menu(turn, action)
        elif action.kind == engine.STORE_FIELD:
            conversation.contact = contact_update(
                contact=conversation.contact, **{action.field: action.value}
            )
        elif action.kind == engine.REDIRECT:
            _hand_over(turn, action.area_id, hand_off)
        elif action.kind == engine.END and action.close:
            turn.store()
            _close(conversation)
    turn.store()


def _hand_over(turn: _Turn, area_id: int, hand_off: str = "") -> None:
    """To the area; one deactivated since the flow was saved gives way to the flow's fallback
    area, else the conversation is closed: never left with nobody (ADR 0019). The redirect's
    `hand_off` text goes first while the area is open; outside its hours routing sends the
    area's after-hours text instead ("Te paso con Soporte" would promise what nobody keeps)."""
    conversation = turn.conversation
    area = Area.objects.filter(pk=area_id, is_active=True).first()
    if area is None:
        flows = Flow.objects.filter(pk=turn.state["bot_flow_id"], fallback_area__is_active=True)
        area = Area.objects.filter(pk__in=flows.values("fallback_area_id")).first()
    if area is None:
        _send(turn, hand_off)  # as before ADR 0030: said, then closed (ADR 0019)
        turn.store()
        _close(conversation)
        return
    if hand_off and area_is_open(area_id=area.pk, at=clock.now()):
        _send(turn, hand_off)
    turn.store()
    route_to_area(conversation=conversation, area=area)


def _close(conversation: Conversation) -> None:
    conversations.conversation_close(
        conversation=conversation,
        by=None,
        reason=conversations.BOT_CLOSED_REASON,
        message="",
        held=True,  # locked by the webhook's batch, its state and last message stored by the turn
    )


def _send(turn: _Turn, text: str) -> None:
    if text.strip():
        turn.say(outbound.BotReply(text=text))


def _send_menu(turn: _Turn, action) -> None:
    """Interactive buttons or a list where the line has them (the Cloud API); elsewhere numbered
    text, with the options kept in the payload (the sandbox phone shows them as buttons)."""
    options = [{"id": key, "title": title} for key, title in action.options]
    payload = {
        "kind": "buttons" if len(options) <= MAX_BUTTONS else "list",
        "body": action.text,
        "options": options,
        "button": "Ver opciones",
    }
    interactive = capabilities.of(turn.conversation.line).interactive_menus
    turn.say(
        outbound.BotReply(
            text=action.text,
            type=MessageType.INTERACTIVE if interactive else MessageType.TEXT,
            payload=payload,
        )
    )
