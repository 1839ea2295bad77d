import pytest

from tests.flows.samples import MENU_TEXT, end_option, menu_flow
from ventanilla.core.errors import NotFound
from ventanilla.flows import selectors, services
from ventanilla.flows.engine import start


def _wide_flow(options: int, **fields) -> dict:
    """A menu of `options` ends, not the default flow."""
    ends = [end_option(f"Opción {n}", "ok") for n in range(options)]
    return menu_flow(*ends, text="Elegí", **{"name": "Ancho", "is_default": False, **fields})


def test_flow_tree_loads_what_the_engine_needs(flow_data, soporte, ventas):
    flow = services.flow_create(data=flow_data(fallback_area_id=soporte.pk))

    tree = selectors.flow_tree(flow_id=flow.pk)

    assert (tree.id, tree.name, tree.is_default, tree.triggers, tree.fallback_area_id) == (
        flow.pk,
        "Bienvenida",
        True,
        ("hola", "menú"),
        soporte.pk,
    )
    assert len(tree.nodes) == 8
    assert start(tree).actions[1].text == MENU_TEXT
    menu_id = tree.children[tree.root_id][0]
    assert [node.label for node in tree.children_of(menu_id)] == [
        "Soporte",
        "Ventas",
        "Mi nombre",
        "Nada más",
    ]
    assert tree.node_by_key(tree.nodes[menu_id].key) == tree.nodes[menu_id]


@pytest.mark.parametrize("options", [1, 150])
def test_flow_tree_takes_two_queries_whatever_the_size(options, db, django_assert_num_queries):
    flow = services.flow_create(data=_wide_flow(options))

    with django_assert_num_queries(2):
        tree = selectors.flow_tree(flow_id=flow.pk)

    assert len(tree.nodes) == options + 1


def test_an_unknown_flow_is_not_found(db):
    with pytest.raises(NotFound):
        selectors.flow_tree(flow_id=999)
    with pytest.raises(NotFound):
        selectors.flow_get(flow_id=999)


def test_default_flow_tree(flow_data, django_assert_num_queries):
    assert selectors.default_flow_tree() is None
    services.flow_create(data=_wide_flow(2))
    assert selectors.default_flow_tree() is None
    default = services.flow_create(data=flow_data())

    with django_assert_num_queries(2):
        tree = selectors.default_flow_tree()

    assert tree.id == default.pk


def test_flow_tree_for_trigger_finds_the_active_flow_whose_trigger_is_the_whole_text(flow_data):
    welcome = services.flow_create(data=flow_data())
    promo = services.flow_create(data=_wide_flow(2, name="Promo", triggers=["promo", "oferta"]))
    services.flow_create(data=_wide_flow(2, name="Vieja", triggers=["viejo"], is_active=False))

    assert selectors.flow_tree_for_trigger(text="¡HOLA!").id == welcome.pk
    assert selectors.flow_tree_for_trigger(text="Menú").id == welcome.pk
    assert selectors.flow_tree_for_trigger(text="oferta 🙂").id == promo.pk
    assert selectors.flow_tree_for_trigger(text="viejo") is None
    assert selectors.flow_tree_for_trigger(text="hola quiero la promo") is None
    assert selectors.flow_tree_for_trigger(text="") is None


def test_flow_list_queries_do_not_grow_with_flows(db, django_assert_num_queries):
    services.flow_create(data=_wide_flow(3))
    with django_assert_num_queries(2):
        assert len([selectors.node_tree(flow) for flow in selectors.flow_list()]) == 1
    for n in range(10):
        services.flow_create(data=_wide_flow(5, name=f"F{n}"))

    with django_assert_num_queries(2):
        roots = [selectors.node_tree(flow) for flow in selectors.flow_list()]

    assert [len(root["children"]) for root in roots] == [3] + [5] * 10


def test_the_bots_reads_come_from_memory_and_see_writes_through_services(
    flow_data, django_assert_num_queries
):
    default = services.flow_create(data=flow_data())
    assert selectors.default_flow_tree().id == default.pk

    with django_assert_num_queries(0):
        assert selectors.default_flow_tree().id == default.pk
        assert selectors.flow_tree_for_trigger(text="hola").id == default.pk
        assert selectors.running_flow_tree(flow_id=default.pk).id == default.pk

    services.flow_replace(flow=default, data=flow_data(triggers=["buenas"]))
    assert selectors.flow_tree_for_trigger(text="hola") is None
    assert selectors.flow_tree_for_trigger(text="buenas").id == default.pk


def test_a_change_made_elsewhere_is_seen_once_the_cached_trees_expire(flow_data, monkeypatch):
    from ventanilla.core import cache
    from ventanilla.flows.models import Flow

    default = services.flow_create(data=flow_data())
    assert selectors.default_flow_tree() is not None
    Flow.objects.filter(pk=default.pk).update(is_active=False)  # as another process would
    assert selectors.default_flow_tree() is not None

    later = cache.time.monotonic() + selectors.FLOWS_CACHE_SECONDS + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert selectors.default_flow_tree() is None


def test_a_deactivated_flow_still_runs_for_conversations_already_in_it(flow_data):
    from ventanilla.flows.models import Flow

    flow = services.flow_create(data=flow_data())
    Flow.objects.filter(pk=flow.pk).update(is_active=False)
    selectors.forget_cached_flows()

    assert selectors.default_flow_tree() is None
    assert selectors.running_flow_tree(flow_id=flow.pk).id == flow.pk
