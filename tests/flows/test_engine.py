"""The engine is pure: these tests build trees in memory and never touch the database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.flows.samples import (
    FALLBACK,
    GREETING,
    MENU,
    MENU_OPTIONS,
    MENU_TEXT,
    NOMBRE_END,
    OPT_NOMBRE,
    OPT_SALIR,
    OPT_SOPORTE,
    OPT_VENTAS,
    SOPORTE,
    VENTAS,
    VENTAS_REDIRECT,
    build_tree,
    demo_root,
)
from ventanilla.flows.engine import (
    Action,
    BotState,
    StepResult,
    restart_trigger_matches,
    simulate,
    start,
    step,
)
from ventanilla.flows.models import DEFAULT_INVALID_OPTION_TEXT

TREE = build_tree(demo_root(SOPORTE, VENTAS))
WITH_FALLBACK = build_tree(demo_root(SOPORTE, VENTAS), fallback_area_id=FALLBACK)
AT_MENU = BotState(MENU, 0)
MENU_AGAIN = [
    Action("send_text", text=DEFAULT_INVALID_OPTION_TEXT),
    Action("send_menu", text=MENU_TEXT, options=MENU_OPTIONS),
]
DNI_HINT = "El DNI tiene 7 u 8 números (podés escribirlo con puntos)."


def test_start_greets_and_waits_at_the_menu():
    result = start(TREE, contact_fields={"name": "Ana"})

    assert result == StepResult(
        actions=[
            Action("send_text", text="¡Hola Ana! Soy el asistente de Ventanilla."),
            Action("send_menu", text=MENU_TEXT, options=MENU_OPTIONS),
        ],
        state=BotState(MENU, 0),
        bot_active=True,
    )


@pytest.mark.parametrize(
    "text,actions,state,bot_active",
    [
        (
            "1",
            [
                Action("send_text", text="Te paso con Soporte.", hand_off=True),
                Action("redirect", area_id=SOPORTE),
            ],
            BotState(None),
            False,
        ),
        (
            "SOPORTE!",
            [
                Action("send_text", text="Te paso con Soporte.", hand_off=True),
                Action("redirect", area_id=SOPORTE),
            ],
            BotState(None),
            False,
        ),
        ("2)", [Action("send_text", text="¿Cuál es tu DNI?")], BotState(OPT_VENTAS), True),
        ("3️⃣", [Action("send_text", text="¿Cómo te llamás?")], BotState(OPT_NOMBRE), True),
        (
            "chau",
            [Action("send_text", text="¡Hasta luego!"), Action("end", close=True)],
            BotState(None),
            False,
        ),
        ("", MENU_AGAIN, BotState(MENU, 1), True),
        ("99", MENU_AGAIN, BotState(MENU, 1), True),
        ("👍", MENU_AGAIN, BotState(MENU, 1), True),
        ("y" * 5000, MENU_AGAIN, BotState(MENU, 1), True),
    ],
)
def test_an_answer_at_the_menu(text, actions, state, bot_active):
    result = step(TREE, AT_MENU, text)

    assert result == StepResult(actions=actions, state=state, bot_active=bot_active)


def test_a_tapped_option_goes_by_its_key():
    result = step(TREE, AT_MENU, "Nada más", reply_id="k4")

    assert result.actions == [Action("send_text", text="¿Cuál es tu DNI?")]
    assert result.state == BotState(OPT_VENTAS)


@pytest.mark.parametrize(
    "answer,value",
    [("12.345.678", "12345678"), ("1234567", "1234567"), (" 30 111 222 ", "30111222")],
)
def test_a_valid_dni_is_stored_and_the_flow_goes_on(answer, value):
    result = step(TREE, BotState(OPT_VENTAS), answer)

    assert result == StepResult(
        actions=[
            Action("store_field", field="dni", value=value),
            Action("send_text", text="Gracias, te atiende Ventas.", hand_off=True),
            Action("redirect", area_id=VENTAS),
        ],
        state=BotState(None),
        bot_active=False,
    )


@pytest.mark.parametrize("answer", ["", "abc", "123456", "123456789", "12.345.67a", "1️⃣2️⃣"])
def test_an_invalid_dni_is_asked_again_with_a_hint(answer):
    result = step(TREE, BotState(OPT_VENTAS, 1), answer)

    assert result == StepResult(
        actions=[Action("send_text", text=DNI_HINT), Action("send_text", text="¿Cuál es tu DNI?")],
        state=BotState(OPT_VENTAS, 2),
        bot_active=True,
    )


def test_a_name_is_trimmed_stored_and_used_in_later_texts():
    result = step(TREE, BotState(OPT_NOMBRE), "  Ana   María\n")

    assert result == StepResult(
        actions=[
            Action("store_field", field="name", value="Ana María"),
            Action("send_text", text="¡Gracias, Ana María!"),
            Action("end", close=True),
        ],
        state=BotState(None),
        bot_active=False,
    )


@pytest.mark.parametrize("answer", ["", "   ", "\n\t", "x" * 151])
def test_an_empty_or_overlong_name_is_asked_again(answer):
    result = step(TREE, BotState(OPT_NOMBRE), answer)

    assert result.actions == [
        Action("send_text", text="Necesitamos tu nombre para seguir."),
        Action("send_text", text="¿Cómo te llamás?"),
    ]
    assert result.state == BotState(OPT_NOMBRE, 1)


def test_three_misses_in_a_row_go_to_the_fallback_area():
    first = step(WITH_FALLBACK, AT_MENU, "nada")
    second = step(WITH_FALLBACK, first.state, "tampoco")
    third = step(WITH_FALLBACK, second.state, "???")

    assert (first.actions, first.state) == (MENU_AGAIN, BotState(MENU, 1))
    assert (second.actions, second.state) == (MENU_AGAIN, BotState(MENU, 2))
    assert third == StepResult(
        actions=[Action("redirect", area_id=FALLBACK)], state=BotState(None), bot_active=False
    )


def test_without_a_fallback_area_the_menu_repeats():
    result = step(TREE, BotState(MENU, 3), "nada")

    assert result == StepResult(actions=MENU_AGAIN, state=BotState(MENU, 3), bot_active=True)


def test_a_good_answer_resets_the_misses():
    missed = step(WITH_FALLBACK, BotState(MENU, 2), "3")
    then = step(WITH_FALLBACK, missed.state, "")

    assert missed.state == BotState(OPT_NOMBRE, 0)
    assert then.state == BotState(OPT_NOMBRE, 1)


@pytest.mark.parametrize(
    "lost", [BotState(999, 2), BotState(None), BotState(GREETING), BotState(NOMBRE_END)]
)
def test_a_position_the_flow_no_longer_has_starts_again_from_the_root(lost):
    result = step(TREE, lost, "1")

    assert result == start(TREE)


def test_restart_triggers_match_the_whole_normalised_text():
    assert restart_trigger_matches(TREE, "HOLA!")
    assert restart_trigger_matches(TREE, "menu")
    assert restart_trigger_matches(TREE, " Menú 🙂")
    assert not restart_trigger_matches(TREE, "hola que tal")
    assert not restart_trigger_matches(TREE, "")
    assert not restart_trigger_matches(TREE, "🙂")


def test_a_message_without_a_child_saved_before_adr_0019_closes_the_conversation():
    tree = build_tree({"type": "message", "text": "Estamos de vacaciones."})

    assert start(tree) == StepResult(
        actions=[Action("send_text", text="Estamos de vacaciones."), Action("end", close=True)],
        state=BotState(None),
        bot_active=False,
    )


def test_an_option_without_label_shows_its_first_trigger():
    tree = build_tree(
        {
            "type": "menu",
            "text": "Elegí",
            "children": [
                {"type": "end", "trigger": "Reclamos, queja"},
                {"type": "end", "label": "Otro"},
            ],
        }
    )

    menu = start(tree).actions[0]

    assert menu == Action(
        "send_menu",
        text="Elegí\n\n1. Reclamos\n2. Otro",
        options=[("k2", "Reclamos"), ("k3", "Otro")],
    )


def test_simulate_runs_start_then_each_input():
    turns = simulate(TREE, ["nada", "2", "12345678", "hola ahí", "HOLA", "4"])

    assert [turn.input for turn in turns] == [
        None,
        "nada",
        "2",
        "12345678",
        "hola ahí",
        "HOLA",
        "4",
    ]
    assert [turn.result.texts() for turn in turns] == [
        ["¡Hola! Soy el asistente de Ventanilla.", MENU_TEXT],
        [DEFAULT_INVALID_OPTION_TEXT, MENU_TEXT],
        ["¿Cuál es tu DNI?"],
        ["Gracias, te atiende Ventas."],
        [],  # handed over: the bot is quiet
        ["¡Hola! Soy el asistente de Ventanilla.", MENU_TEXT],  # a restart trigger
        ["¡Hasta luego!"],
    ]


def test_simulate_remembers_the_stored_name():
    turns = simulate(TREE, ["3", "Ana", "hola"])

    assert turns[2].result.texts() == ["¡Gracias, Ana!"]
    assert turns[3].result.texts()[0] == "¡Hola Ana! Soy el asistente de Ventanilla."


# --- Properties ------------------------------------------------------------------------------

answers = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(categories=["So", "Sk", "Mn", "Me", "Cf", "Zs", "P"])),
    st.sampled_from(["1", "1.", "1️⃣", "2)", "SOPORTE!", "12.345.678", "", "99", "🔟", "\x00"]),
    st.text(min_size=4000, max_size=6000),
)
node_types = st.sampled_from(["message", "menu", "question", "redirect", "end", "bogus"])
nodes = st.recursive(
    st.fixed_dictionaries(
        {"type": node_types},
        optional={
            "text": st.text(max_size=30),
            "trigger": st.text(max_size=20),
            "label": st.text(max_size=10),
            "area_id": st.none() | st.integers(1, 5),
            "field": st.sampled_from(["name", "dni", "", "email"]),
            "close": st.booleans(),
        },
    ),
    lambda children: st.fixed_dictionaries(
        {"type": node_types, "children": st.lists(children, max_size=4)},
        optional={
            "text": st.text(max_size=30),
            "trigger": st.text(max_size=20),
            "label": st.text(max_size=10),
            "field": st.sampled_from(["name", "dni"]),
        },
    ),
    max_leaves=15,
)
trees = st.one_of(
    st.just(TREE),
    st.just(WITH_FALLBACK),
    st.builds(
        build_tree,
        nodes,
        fallback_area_id=st.none() | st.just(FALLBACK),
        invalid_option_text=st.text(max_size=20),
        triggers=st.lists(st.text(max_size=10), max_size=3),
    ),
)


@settings(max_examples=300, deadline=None)
@given(tree=trees, data=st.data(), text=answers, reply_id=st.none() | st.text(max_size=8))
def test_the_engine_never_raises_and_always_answers(tree, data, text, reply_id):
    node_id = data.draw(st.sampled_from([*tree.nodes, None, 10_000]), label="node")
    misses = data.draw(st.integers(0, 5), label="misses")

    result = step(tree, BotState(node_id, misses), text, reply_id)

    assert len(result.actions) >= 1
    assert all(
        action.kind in {"send_text", "send_menu", "store_field", "redirect", "end"}
        for action in result.actions
    )
    if result.bot_active:
        assert tree.nodes[result.state.node_id].type in {"menu", "question"}
        assert result.actions[-1].kind in {"send_text", "send_menu"}
    else:
        assert result.state == BotState(None)
        assert result.actions[-1].kind in {"redirect", "end"}


@settings(max_examples=200, deadline=None)
@given(tree=trees)
def test_start_always_answers(tree):
    result = start(tree)

    assert len(result.actions) >= 1
    assert restart_trigger_matches(tree, "") is False


# --- where the bot lets go (the reports' flow exits) -------------------------------------------


@pytest.mark.parametrize(
    "tree,state,text,expected",
    [
        (TREE, AT_MENU, "1", ("redirect", OPT_SOPORTE)),
        (TREE, BotState(OPT_VENTAS), "12345678", ("redirect", VENTAS_REDIRECT)),
        (TREE, AT_MENU, "chau", ("end", OPT_SALIR)),
        (TREE, BotState(OPT_NOMBRE), "Ana", ("end", NOMBRE_END)),
        (WITH_FALLBACK, BotState(MENU, 2), "???", ("fallback", MENU)),
        (TREE, AT_MENU, "nada", ("", None)),
    ],
    ids=["redirect", "redirect-after-question", "end", "end-after-question", "misses", "waits"],
)
def test_the_exit_says_how_and_where_the_bot_let_go(tree, state, text, expected):
    result = step(tree, state, text)

    assert (result.exit, result.exit_node_id) == expected


def test_a_path_with_nobody_next_exits_to_the_fallback_or_closed():
    message = {"type": "message", "text": "Estamos de vacaciones."}

    assert (start(build_tree(message)).exit, start(build_tree(message)).exit_node_id) == (
        "closed",
        1,
    )
    with_fallback = start(build_tree(message, fallback_area_id=FALLBACK))
    assert (with_fallback.exit, with_fallback.exit_node_id) == ("fallback", 1)
