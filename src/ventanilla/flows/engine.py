"""The bot engine: (flow, position, answer, contact) -> the actions to take and the next position.

Pure: nothing here reads or writes the database, sends anything or looks at the clock. The caller
loads a FlowTree (selectors.flow_tree), keeps a BotState per conversation, and carries out the
actions (send, store the contact field, route to the area, end or close).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ventanilla.contacts.phones import normalise_dni
from ventanilla.flows.matching import alternatives, match_option, normalise

SEND_TEXT = "send_text"
SEND_MENU = "send_menu"
STORE_FIELD = "store_field"
REDIRECT = "redirect"
END = "end"

MESSAGE, MENU, QUESTION, REDIRECT_NODE, END_NODE = "message", "menu", "question", "redirect", "end"
WAITING_TYPES = frozenset({MENU, QUESTION})

# how the bot let a conversation go (StepResult.exit): a redirect node's area, an end node's close,
# the flow's fallback area (too many wrong answers, or a path with no next step), or closed with
# nobody next and no fallback area
EXIT_REDIRECT, EXIT_END, EXIT_FALLBACK, EXIT_CLOSED = "redirect", "end", "fallback", "closed"

MISS_LIMIT = 3  # wrong answers in a row before the fallback area takes over
NAME_MAX = 150  # Contact.name
HINTS = {
    "dni": "El DNI tiene 7 u 8 números (podés escribirlo con puntos).",
    "name": "Necesitamos tu nombre para seguir.",
}
DEFAULT_QUESTIONS = {"dni": "¿Cuál es tu DNI?", "name": "¿Cuál es tu nombre?"}
PLACEHOLDERS = ("name", "dni")


@dataclass(frozen=True)
class TreeNode:
    id: int
    key: str
    parent_id: int | None
    order: int
    type: str
    text: str = ""
    trigger: str = ""
    label: str = ""
    area_id: int | None = None
    field: str = ""
    close: bool = False
    ask_only_when_unknown: bool = True  # question: skipped when the field is on file


@dataclass(frozen=True)
class FlowTree:
    id: int
    name: str
    is_default: bool
    is_active: bool
    triggers: tuple[str, ...]
    invalid_option_text: str
    fallback_area_id: int | None
    root_id: int | None
    nodes: Mapping[int, TreeNode]
    children: Mapping[int, tuple[int, ...]]  # node id -> child ids in order

    def children_of(self, node_id: int) -> list[TreeNode]:
        return [self.nodes[child_id] for child_id in self.children.get(node_id, ())]

    def node_by_key(self, key: str) -> TreeNode | None:
        return next((node for node in self.nodes.values() if node.key == key), None)


@dataclass(frozen=True)
class BotState:
    node_id: int | None  # the menu or question waiting for an answer; None when not waiting
    misses: int = 0  # wrong answers in a row at that node


@dataclass
class Action:
    kind: str  # send_text | send_menu | store_field | redirect | end
    text: str = ""  # send_text, send_menu (the menu as text, options listed "1. Label")
    options: list[tuple[str, str]] = field(default_factory=list)  # send_menu: (option key, title)
    field: str = ""  # store_field: "name" | "dni"
    value: str = ""  # store_field
    area_id: int | None = None  # redirect
    close: bool = False  # end: close the conversation too
    # send_text: a redirect's own text, sent only when its area is open (outside working hours
    # the area's after-hours text replaces it: the caller knows the clock, the engine does not)
    hand_off: bool = False


@dataclass
class StepResult:
    actions: list[Action]
    state: BotState
    bot_active: bool
    # when the bot lets go, how (EXIT_*) and at which node (None: a flow without a root); for the
    # reports, not part of what the step does (left out of comparisons)
    exit: str = field(default="", compare=False)
    exit_node_id: int | None = field(default=None, compare=False)

    def texts(self) -> list[str]:
        """What the customer reads, in order (menus in their text form)."""
        return [a.text for a in self.actions if a.kind in (SEND_TEXT, SEND_MENU)]


# --- Public functions ------------------------------------------------------------------------


def start(tree: FlowTree, *, contact_fields: Mapping[str, str] | None = None) -> StepResult:
    """Runs the flow from its root until it waits for an answer or hands over."""
    root = tree.nodes.get(tree.root_id) if tree.root_id is not None else None
    if root is None:
        return _nobody_next(tree, [], None)
    return _run(tree, root, [], dict(contact_fields or {}))


def step(
    tree: FlowTree,
    state: BotState,
    text: str,
    reply_id: str | None = None,
    *,
    contact_fields: Mapping[str, str] | None = None,
) -> StepResult:
    """Takes the customer's answer at the node the conversation waits on.

    A position the flow no longer has (edited away, or no longer a menu or question) starts the
    flow again from its root.
    """
    fields = dict(contact_fields or {})
    node = tree.nodes.get(state.node_id) if state.node_id is not None else None
    if node is None or node.type not in WAITING_TYPES:
        return start(tree, contact_fields=fields)
    if node.type == MENU:
        chosen = match_option(tree.children_of(node.id), text or "", reply_id)
        if chosen is not None:
            return _run(tree, chosen, [], fields)
        retry = [Action(SEND_TEXT, text=_fill(tree.invalid_option_text, fields))]
        return _miss(tree, node, state, [*retry, _menu_action(tree, node, fields)])
    value = answer_value(node.field, text or "")
    if value is None:
        hint = HINTS.get(node.field, "")
        retry = [Action(SEND_TEXT, text=hint)] if hint else []
        return _miss(tree, node, state, [*retry, _question_action(node, fields)])
    fields[node.field] = value
    stored = [Action(STORE_FIELD, field=node.field, value=value)]
    return _continue(tree, node, stored, fields)


def restart_trigger_matches(tree: FlowTree, text: str) -> bool:
    """Whether the whole answer is one of the flow's restart triggers ("HOLA!" matches "hola")."""
    answer = normalise(text or "")
    return bool(answer) and answer in {normalise(trigger) for trigger in tree.triggers}


def answer_value(contact_field: str, text: str) -> str | None:
    """The value a question stores, or None when the answer is not acceptable."""
    if contact_field == "dni":
        try:
            return normalise_dni(text.strip())
        except ValueError:
            return None
    if contact_field == "name":
        name = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
        return name if 0 < len(name) <= NAME_MAX else None
    return None


@dataclass
class SimulatedTurn:
    input: str | None  # None for the opening (start)
    result: StepResult


def simulate(
    tree: FlowTree, inputs: Iterable[str], *, contact_fields: Mapping[str, str] | None = None
) -> list[SimulatedTurn]:
    """start() then one step() per input, the way a conversation would go, all in memory.

    Restart triggers start the flow again; once the bot has handed over or ended, inputs get no
    answer (an agent would have the conversation) unless they are a restart trigger.
    """
    fields = dict(contact_fields or {})
    result = start(tree, contact_fields=fields)
    turns = [SimulatedTurn(None, result)]
    for text in inputs:
        if restart_trigger_matches(tree, text):
            result = start(tree, contact_fields=fields)
        elif result.bot_active:
            result = step(tree, result.state, text, contact_fields=fields)
        else:
            result = StepResult([], result.state, bot_active=False)
        fields.update({a.field: a.value for a in result.actions if a.kind == STORE_FIELD})
        turns.append(SimulatedTurn(text, result))
    return turns


def option_title(node: TreeNode, number: int) -> str:
    """What a menu shows for an option: its label, else its first trigger alternative."""
    return node.label or next(iter(alternatives(node.trigger)), "") or f"Opción {number}"


def menu_text(
    tree: FlowTree, node: TreeNode, contact_fields: Mapping[str, str] | None = None
) -> str:
    """The menu for lines without interactive messages: its text, then "1. Label" lines."""
    lines = [
        f"{number}. {option_title(option, number)}"
        for number, option in enumerate(tree.children_of(node.id), start=1)
    ]
    intro = _fill(node.text, contact_fields or {}).strip()
    return "\n".join([intro, "", *lines] if intro else lines)


# --- Walking the tree ------------------------------------------------------------------------


def _run(tree: FlowTree, node: TreeNode, actions: list[Action], fields: dict) -> StepResult:
    for _ in range(len(tree.nodes) + 1):  # a tree is acyclic; the bound guards a broken one
        if node.type == MENU:
            actions.append(_menu_action(tree, node, fields))
            return StepResult(actions, BotState(node.id), bot_active=True)
        if node.type == QUESTION and _known(node, fields):
            children = tree.children_of(node.id)  # on file: not asked again; the next step
            if not children:
                return _nobody_next(tree, actions, node)
            node = children[0]
            continue
        if node.type == QUESTION:
            actions.append(_question_action(node, fields))
            return StepResult(actions, BotState(node.id), bot_active=True)
        is_redirect = node.type == REDIRECT_NODE and node.area_id is not None
        _say(actions, node.text, fields, hand_off=is_redirect)
        if is_redirect:
            return _finished(actions, Action(REDIRECT, area_id=node.area_id), EXIT_REDIRECT, node)
        if node.type == END_NODE and node.close:
            return _finished(actions, Action(END, close=True), EXIT_END, node)
        children = tree.children_of(node.id) if node.type == MESSAGE else []
        if not children:
            return _nobody_next(tree, actions, node)
        node = children[0]
    return _nobody_next(tree, actions, node)


def _known(node: TreeNode, fields: Mapping[str, str]) -> bool:
    """Whether a question may be skipped: it asks only when unknown, and the contact's field
    is on file (the caller gives only values it trusts: a DNI, a name someone gave)."""
    return node.ask_only_when_unknown and bool((fields.get(node.field) or "").strip())


def _continue(tree: FlowTree, node: TreeNode, actions: list[Action], fields: dict) -> StepResult:
    children = tree.children_of(node.id)
    if not children:
        return _nobody_next(tree, actions, node)
    return _run(tree, children[0], actions, fields)


def _nobody_next(tree: FlowTree, actions: list[Action], node: TreeNode | None) -> StepResult:
    """Where a flow stops with nobody to answer (an end that does not close, a message or
    question without a next step: saved before ADR 0019, or a draft in the simulator), its
    fallback area takes the conversation, else it is closed: the bot never leaves a customer
    alone."""
    if tree.fallback_area_id is not None:
        fallback = Action(REDIRECT, area_id=tree.fallback_area_id)
        return _finished(actions, fallback, EXIT_FALLBACK, node)
    return _finished(actions, Action(END, close=True), EXIT_CLOSED, node)


def _miss(tree: FlowTree, node: TreeNode, state: BotState, retry: list[Action]) -> StepResult:
    misses = state.misses + 1
    if misses >= MISS_LIMIT and tree.fallback_area_id is not None:
        fallback = Action(REDIRECT, area_id=tree.fallback_area_id)
        return _finished([], fallback, EXIT_FALLBACK, node)
    return StepResult(retry, BotState(node.id, min(misses, MISS_LIMIT)), bot_active=True)


def _finished(
    actions: list[Action], last: Action, exit_kind: str, node: TreeNode | None
) -> StepResult:
    return StepResult(
        [*actions, last],
        BotState(None),
        bot_active=False,
        exit=exit_kind,
        exit_node_id=node.id if node is not None else None,
    )


def _menu_action(tree: FlowTree, node: TreeNode, fields: Mapping[str, str]) -> Action:
    options = [
        (option.key, option_title(option, number))
        for number, option in enumerate(tree.children_of(node.id), start=1)
    ]
    return Action(SEND_MENU, text=menu_text(tree, node, fields), options=options)


def _question_action(node: TreeNode, fields: Mapping[str, str]) -> Action:
    text = _fill(node.text, fields).strip() or DEFAULT_QUESTIONS.get(node.field, "?")
    return Action(SEND_TEXT, text=text)


def _say(
    actions: list[Action], text: str, fields: Mapping[str, str], *, hand_off: bool = False
) -> None:
    text = _fill(text, fields).strip()
    if text:
        actions.append(Action(SEND_TEXT, text=text, hand_off=hand_off))


def _fill(text: str, fields: Mapping[str, str]) -> str:
    """Puts the contact's "{name}" and "{dni}" into a text; nothing else is a placeholder.

    An unknown value takes the space before it along: "¡Hola {name}!" -> "¡Hola!".
    """
    for name in PLACEHOLDERS:
        placeholder = "{" + name + "}"
        if placeholder in text:
            value = fields.get(name) or ""
            text = text.replace(placeholder, value) if value else _blank(placeholder, text)
    return text


def _blank(placeholder: str, text: str) -> str:
    return re.sub(r"[ \t]*" + re.escape(placeholder), "", text)
