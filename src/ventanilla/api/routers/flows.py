from datetime import datetime
from typing import Annotated

from ninja import Field, Query, Schema, Status

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.core.permissions import SIGNED_IN
from ventanilla.flows import engine, selectors, services
from ventanilla.flows.models import DEFAULT_INVALID_OPTION_TEXT
from ventanilla.flows.permissions import EDIT_FLOWS

router = Router(tags=["flows"])

SIMULATE_MAX_INPUTS = 100
SIMULATE_MAX_CHARS = 10_000


class NodeOut(Schema):
    id: int
    key: str
    type: str
    text: str
    trigger: str
    label: str
    area_id: int | None
    field: str
    close: bool
    ask_only_when_unknown: bool  # a question: not asked when the contact's field is on file
    children: list["NodeOut"]


class FlowOut(Schema):
    id: int
    name: str
    is_default: bool
    is_active: bool
    triggers: list[str]
    invalid_option_text: str
    fallback_area_id: int | None
    root: NodeOut | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_root(flow) -> dict | None:
        return selectors.node_tree(flow)


class FlowPage(Schema):
    items: list[FlowOut]
    next: str | None


class NodeIn(Schema):
    key: str | None = None  # a node's key from GET keeps its id (and conversations waiting there)
    type: str
    text: str | None = ""
    trigger: str | None = ""
    label: str | None = ""
    area_id: int | None = None
    field: str | None = ""
    close: bool | None = None  # an end's: it closes the conversation (false is refused)
    ask_only_when_unknown: bool | None = None  # a question's (default true): skip it when known
    children: list["NodeIn"] = []


class FlowIn(Schema):
    name: str
    is_default: bool = False
    is_active: bool = True
    triggers: list[str] = []
    invalid_option_text: str = DEFAULT_INVALID_OPTION_TEXT
    fallback_area_id: int | None = None
    root: NodeIn


class SimulateIn(Schema):
    inputs: Annotated[
        list[Annotated[str, Field(max_length=SIMULATE_MAX_CHARS)]],
        Field(max_length=SIMULATE_MAX_INPUTS),
    ]


class OptionOut(Schema):
    id: str
    title: str


class ActionOut(Schema):
    kind: str
    text: str
    options: list[OptionOut]
    field: str
    value: str
    area_id: int | None
    close: bool


class TurnOut(Schema):
    input: str | None  # null for the opening
    replies: list[str]
    actions: list[ActionOut]
    node_key: str | None  # the menu or question the bot now waits on
    misses: int
    bot_active: bool


class SimulationOut(Schema):
    opening: list[str]
    replies: list[list[str]]  # what the bot sent after each input, in order
    turns: list[TurnOut]


NodeOut.model_rebuild()
NodeIn.model_rebuild()


def _flow_out(flow_id: int):
    return selectors.flow_get(flow_id=flow_id)


@router.get("", response=answers({200: FlowPage}, *LIST))
@requires(SIGNED_IN)
def list_flows(request, page: Query[PageQuery]):
    items, next_cursor = keyset_page(selectors.flow_list(), ordering=("name", "id"), page=page)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: FlowOut}, *WRITE, 409))
@requires(EDIT_FLOWS)
def create_flow(request, payload: FlowIn):
    flow = services.flow_create(data=payload.dict())
    return Status(201, _flow_out(flow.pk))


@router.get("/{flow_id}", response=answers({200: FlowOut}, *READ, 404))
@requires(SIGNED_IN)
def get_flow(request, flow_id: int):
    return _flow_out(flow_id)


@router.put("/{flow_id}", response=answers({200: FlowOut}, *WRITE, 404, 409))
@requires(EDIT_FLOWS)
def replace_flow(request, flow_id: int, payload: FlowIn):
    flow = services.flow_replace(flow=selectors.flow_get(flow_id=flow_id), data=payload.dict())
    return _flow_out(flow.pk)


@router.delete("/{flow_id}", response=answers({204: None}, *WRITE, 404, 409))
@requires(EDIT_FLOWS)
def delete_flow(request, flow_id: int):
    services.flow_delete(flow=selectors.flow_get(flow_id=flow_id))
    return Status(204, None)


@router.post("/{flow_id}/simulate", response=answers({200: SimulationOut}, *WRITE, 404))
@requires(SIGNED_IN)
def simulate_flow(request, flow_id: int, payload: SimulateIn):
    """Runs the inputs through the engine as a customer would; nothing is stored or sent."""
    tree = selectors.flow_tree(flow_id=flow_id)
    turns = [_turn_out(tree, turn) for turn in engine.simulate(tree, payload.inputs)]
    return {
        "opening": turns[0]["replies"],
        "replies": [turn["replies"] for turn in turns[1:]],
        "turns": turns,
    }


def _turn_out(tree: engine.FlowTree, turn: engine.SimulatedTurn) -> dict:
    state = turn.result.state
    waiting = tree.nodes.get(state.node_id) if state.node_id is not None else None
    return {
        "input": turn.input,
        "replies": turn.result.texts(),
        "actions": [
            {
                "kind": action.kind,
                "text": action.text,
                "options": [{"id": key, "title": title} for key, title in action.options],
                "field": action.field,
                "value": action.value,
                "area_id": action.area_id,
                "close": action.close,
            }
            for action in turn.result.actions
        ],
        "node_key": waiting.key if waiting is not None else None,
        "misses": state.misses,
        "bot_active": turn.result.bot_active,
    }
