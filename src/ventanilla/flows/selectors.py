"""Reads for flows: rows for the API, in-memory trees for the engine."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from ventanilla.core.cache import ProcessCache
from ventanilla.core.errors import NotFound
from ventanilla.flows.engine import FlowTree, TreeNode
from ventanilla.flows.matching import normalise
from ventanilla.flows.models import Flow, Node

_NODE_ORDER = ("order", "pk")
_TREE_FIELDS = (
    "pk",
    "key",
    "parent_id",
    "order",
    "type",
    "text",
    "trigger",
    "label",
    "area_id",
    "field",
    "close",
    "ask_only_when_unknown",
)


def _with_nodes(flows: QuerySet[Flow]) -> QuerySet[Flow]:
    return flows.prefetch_related(Prefetch("nodes", queryset=Node.objects.order_by(*_NODE_ORDER)))


def flow_list() -> QuerySet[Flow]:
    """Every flow with its nodes (one query for the flows, one for all their nodes)."""
    return _with_nodes(Flow.objects.all()).order_by("name", "pk")


def flow_get(*, flow_id: int) -> Flow:
    flow = _with_nodes(Flow.objects.filter(pk=flow_id)).first()
    if flow is None:
        raise NotFound(_("Flujo inexistente."))
    return flow


def node_tree(flow: Flow) -> dict | None:
    """The flow's nodes as nested dicts (`children` in order), from its prefetched nodes."""
    nodes = list(flow.nodes.all())
    by_parent: dict[int | None, list[Node]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)

    def build(node: Node) -> dict:
        return {
            "id": node.pk,
            "key": node.key,
            "type": node.type,
            "text": node.text,
            "trigger": node.trigger,
            "label": node.label,
            "area_id": node.area_id,
            "field": node.field,
            "close": node.close,
            "ask_only_when_unknown": node.ask_only_when_unknown,
            "children": [build(child) for child in by_parent.get(node.pk, [])],
        }

    roots = by_parent.get(None, [])
    return build(roots[0]) if roots else None


def _node_rows(flow: Flow) -> list[dict]:
    return list(Node.objects.filter(flow_id=flow.pk).order_by(*_NODE_ORDER).values(*_TREE_FIELDS))


def _tree(flow: Flow, rows: list[dict]) -> FlowTree:
    nodes: dict[int, TreeNode] = {}
    children: dict[int, list[int]] = {}
    root_id = None
    for row in rows:
        node = TreeNode(id=row.pop("pk"), **row)
        nodes[node.id] = node
        if node.parent_id is None:
            root_id = node.id if root_id is None else root_id
        else:
            children.setdefault(node.parent_id, []).append(node.id)
    return FlowTree(
        id=flow.pk,
        name=flow.name,
        is_default=flow.is_default,
        is_active=flow.is_active,
        triggers=tuple(flow.triggers or ()),
        invalid_option_text=flow.invalid_option_text,
        fallback_area_id=flow.fallback_area_id,
        root_id=root_id,
        nodes=nodes,
        children={parent: tuple(ids) for parent, ids in children.items()},
    )


def flow_tree(*, flow_id: int) -> FlowTree:
    """The flow as the engine reads it, in two queries whatever its size."""
    flow = Flow.objects.filter(pk=flow_id).first()
    if flow is None:
        raise NotFound(_("Flujo inexistente."))
    return _tree(flow, _node_rows(flow))


# --- the bot's reads: every customer message needs them, admins rarely change them --------------

FLOWS_CACHE_SECONDS = 5.0


def _read_active_trees() -> tuple[FlowTree, ...]:
    """Every active flow, the default first, in two queries."""
    flows = list(Flow.objects.filter(is_active=True).order_by("-is_default", "pk"))
    rows_by_flow: dict[int, list[dict]] = {}
    nodes = Node.objects.filter(flow__in=[flow.pk for flow in flows])
    for row in nodes.order_by("flow_id", *_NODE_ORDER).values("flow_id", *_TREE_FIELDS):
        rows_by_flow.setdefault(row.pop("flow_id"), []).append(row)
    return tuple(_tree(flow, rows_by_flow.get(flow.pk, [])) for flow in flows)


_active_trees = ProcessCache(_read_active_trees, seconds=FLOWS_CACHE_SECONDS)


def forget_cached_flows() -> None:
    _active_trees.forget()


def running_flow_tree(*, flow_id: int) -> FlowTree:
    """The flow a conversation is in: from memory when active, else read (a deactivated flow
    still finishes the conversations already in it)."""
    for tree in _active_trees.get():
        if tree.id == flow_id:
            return tree
    return flow_tree(flow_id=flow_id)


def default_flow_tree() -> FlowTree | None:
    """The flow a new conversation starts in: the default one, when it is active."""
    return next((tree for tree in _active_trees.get() if tree.is_default), None)


def flow_tree_for_trigger(*, text: str) -> FlowTree | None:
    """The active flow whose restart trigger is this whole answer (the default flow first)."""
    answer = normalise(text or "")
    if not answer:
        return None
    for tree in _active_trees.get():
        if answer in {normalise(trigger) for trigger in tree.triggers}:
            return tree
    return None
