"""Live events reach exactly the consoles allowed to see them, once, and can be replayed."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from tests.sockets import open_console, read_frames
from ventanilla.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


async def test_customer_message_reaches_the_allowed_consoles_once(make_user, make_area, admin):
    from ventanilla.inbound import sandbox
    from ventanilla.providers.models import Line

    # given an admin (also a member of both areas), a supervisor of Soporte, and an agent of Ventas
    soporte, ventas = (
        await sync_to_async(make_area)("Soporte"),
        await sync_to_async(make_area)("Ventas"),
    )
    await sync_to_async(Line.objects.create)(provider="sandbox", is_default=True)
    supervisor = await sync_to_async(make_user)(Role.SUPERVISOR, areas=[soporte])
    seller = await sync_to_async(make_user)(Role.SALES, areas=[ventas])
    consoles = {
        who: await open_console(user)
        for who, user in {"admin": admin, "supervisor": supervisor, "seller": seller}.items()
    }

    # when a new customer writes (the conversation is with the bot: no area yet)
    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="Ana", text="hola", message_id="1"
    )

    # then admin and supervisor get conversation:incoming then message:new; the seller nothing
    received = {who: await read_frames(c) for who, c in consoles.items()}
    for who in ("admin", "supervisor"):
        assert [f["event"] for f in received[who]] == ["conversation:incoming", "message:new"], who
        incoming, new = received[who]
        assert incoming["data"]["contact"]["name"] == "Ana"
        assert incoming["data"]["status"] == "bot"
        assert new["data"]["text"] == "hola"
        assert new["data"]["direction"] == "in"
        assert new["id"] > incoming["id"]
    assert received["seller"] == []
    for communicator in consoles.values():
        await communicator.disconnect()


async def test_transfer_tells_the_old_and_the_new_audience(make_user, make_area, make_conversation):
    soporte, ventas = (
        await sync_to_async(make_area)("Soporte"),
        await sync_to_async(make_area)("Ventas"),
    )
    helper = await sync_to_async(make_user)(Role.SUPPORT, areas=[soporte])
    seller = await sync_to_async(make_user)(Role.SALES, areas=[ventas])
    conversation = await sync_to_async(make_conversation)(
        "active", area=soporte, assigned_to=helper
    )
    helper_console, seller_console = await open_console(helper), await open_console(seller)

    from ventanilla.conversations.services import conversation_transfer

    await sync_to_async(conversation_transfer)(conversation=conversation, by=helper, area=ventas)

    helper_frames, seller_frames = (
        await read_frames(helper_console),
        await read_frames(seller_console),
    )
    # the agent who gave it away only learns it left their view; nothing of its new state
    assert helper_frames == [
        {
            "event": "conversation:update",
            "data": {"id": conversation.pk, "visible": False},
            "id": seller_frames[0]["id"],
        }
    ]
    assert [f["event"] for f in seller_frames] == ["conversation:update"]
    assert seller_frames[0]["data"]["status"] == "queued"
    assert seller_frames[0]["data"]["area"]["name"] == "Ventas"
    await helper_console.disconnect()
    await seller_console.disconnect()


async def test_membership_change_applies_without_a_new_login(make_user, make_area, admin):
    from ventanilla.accounts.services import user_update
    from ventanilla.inbound import sandbox
    from ventanilla.providers.models import Line

    soporte = await sync_to_async(make_area)("Soporte")
    await sync_to_async(Line.objects.create)(provider="sandbox", is_default=True)
    supervisor = await sync_to_async(make_user)(Role.SUPERVISOR, areas=[])
    console = await open_console(supervisor)
    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="", text="a", message_id="a"
    )
    from ventanilla.conversations.models import Conversation
    from ventanilla.conversations.services import conversation_queue

    conversation = await sync_to_async(Conversation.objects.get)()
    # a supervisor without areas still sees bot conversations
    assert [f["event"] for f in await read_frames(console)] == [
        "conversation:incoming",
        "message:new",
    ]

    await sync_to_async(conversation_queue)(conversation=conversation, area=soporte)
    before = await read_frames(console)
    await sync_to_async(user_update)(user=supervisor, area_ids=[soporte.pk])
    await asyncio.sleep(0.1)
    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="", text="b", message_id="b"
    )
    after = await read_frames(console)

    # the queued conversation in Soporte left the supervisor's view until they joined Soporte
    assert [f["data"] for f in before] == [{"id": conversation.pk, "visible": False}]
    assert [f["event"] for f in after] == ["message:new", "conversation:update"]
    await console.disconnect()


async def test_resume_from_replays_only_missed_visible_events(make_user, make_area, admin):
    from ventanilla.inbound import sandbox
    from ventanilla.providers.models import Line

    await sync_to_async(Line.objects.create)(provider="sandbox", is_default=True)
    seller = await sync_to_async(make_user)(Role.SALES, areas=[])
    console = await open_console(admin)
    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="", text="1", message_id="1"
    )
    first = await read_frames(console)
    await console.disconnect()

    # while the admin's console is away, two more messages arrive
    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="", text="2", message_id="2"
    )
    await sync_to_async(sandbox.customer_writes)(
        phone="+5493515551111", name="", text="3", message_id="3"
    )

    console = await open_console(admin)
    await console.send_json_to({"resume_from": first[-1]["id"]})
    replayed = await read_frames(console)
    seller_console = await open_console(seller)
    await seller_console.send_json_to({"resume_from": 0})
    seller_replayed = await read_frames(seller_console)

    texts = [f["data"]["text"] for f in replayed if f["event"] == "message:new"]
    assert texts == ["2", "3"]
    assert replayed[-1]["event"] == "resume:done"
    assert replayed[-1]["data"] == {"last_id": first[-1]["id"], "complete": True}
    assert [f["event"] for f in seller_replayed] == ["resume:done"]
    await console.disconnect()
    await seller_console.disconnect()


async def test_resume_says_when_more_was_missed_than_it_replays(monkeypatch, admin):
    from ventanilla.inbound import sandbox
    from ventanilla.providers.models import Line
    from ventanilla.realtime import replay

    # given a replay that holds 2 events, and a console that missed more than that
    monkeypatch.setattr(replay, "REPLAY_LIMIT", 2)
    await sync_to_async(Line.objects.create)(provider="sandbox", is_default=True)
    for n in range(3):
        await sync_to_async(sandbox.customer_writes)(
            phone="+5493515551111", name="", text=str(n), message_id=str(n)
        )
    # when it resumes from the beginning
    console = await open_console(admin)
    await console.send_json_to({"resume_from": 0})
    replayed = await read_frames(console)
    # then it gets the oldest 2 and is told the replay was not complete (the chat screen then
    # reads its list again)
    assert len(replayed) == 3
    assert replayed[-1] == {"event": "resume:done", "data": {"last_id": 0, "complete": False}}
    await console.disconnect()


def test_old_live_events_are_pruned_recent_ones_kept():
    from datetime import timedelta

    from ventanilla.conversations import tasks
    from ventanilla.core import clock
    from ventanilla.core.models import LiveEvent

    old = LiveEvent.objects.create(name="message:new", data={}, audience={"all": True})
    LiveEvent.objects.filter(pk=old.pk).update(
        created_at=clock.now() - timedelta(days=1, minutes=1)
    )
    recent = LiveEvent.objects.create(name="message:new", data={}, audience={"all": True})

    tasks.prune_live_events.call_local()

    assert list(LiveEvent.objects.values_list("pk", flat=True)) == [recent.pk]


async def test_a_burst_of_messages_reaches_the_console_once_each_in_order(admin):
    from ventanilla.inbound import sandbox
    from ventanilla.providers.models import Line

    await sync_to_async(Line.objects.create)(provider="sandbox", is_default=True)
    console = await open_console(admin)

    def burst():
        for number in range(40):
            sandbox.customer_writes(
                phone=f"+54935155520{number % 8:02d}",
                name="Ana",
                text=f"mensaje {number}",
                message_id=f"burst-{number}",
            )

    await sync_to_async(burst)()

    frames = await read_frames(console, wait=0.5)
    texts = [f["data"]["text"] for f in frames if f["event"] == "message:new"]
    assert texts == [f"mensaje {number}" for number in range(40)]
    ids = [frame["id"] for frame in frames]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    await console.disconnect()


def test_waiting_event_messages_are_merged_in_order_around_internal_ones():
    from ventanilla.core.events import coalesced

    def events(*names):
        return {"type": "console.events", "events": [{"frame": {"event": n}} for n in names]}

    internal = {"type": "console.internal", "kind": "membership"}
    first, second, third = events("a"), events("b", "c"), events("d")

    merged = coalesced([first, second, internal, third])

    assert merged == [events("a", "b", "c"), internal, events("d")]
    assert first == events("a")  # the originals are left as they were


async def test_broadcasts_go_out_in_order_and_leave_no_task_behind(admin):
    from ventanilla.core import events

    # given an admin's console listening on this loop
    console = await open_console(admin)

    # when broadcasts are sent from another thread, as a commit in a worker thread sends them,
    # with internal messages between them
    def broadcast_from_a_thread():
        for number in range(5):
            frame = f'{{"event": "test:{number}", "data": {{}}, "id": {10**9 + number}}}'
            event = {"id": 10**9 + number, "text": frame, "audience": {"all": True}}
            events.broadcast({"type": "console.internal", "kind": "nothing"})
            events.broadcast({"type": "console.events", "events": [event]})

    await asyncio.to_thread(broadcast_from_a_thread)
    frames = await read_frames(console)

    # then the console got them in order, and no drain is left pending on the loop
    assert [frame["event"] for frame in frames] == [f"test:{number}" for number in range(5)]
    drains = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__.endswith("._drain")]
    assert drains == []
    await console.disconnect()


async def test_delivery_ticks_reach_only_the_console_that_has_the_conversation_open(
    make_area, make_conversation, admin
):
    from ventanilla.conversations import outbox
    from ventanilla.conversations.services import agent_reply

    # given two conversations of an admin, and three of her consoles: one with the first open,
    # one with the second open, one with none open
    soporte = await sync_to_async(make_area)("Soporte")
    first, second = [
        await sync_to_async(make_conversation)("active", area=soporte, assigned_to=admin)
        for _ in range(2)
    ]
    watching_first, watching_second, watching_none = [await open_console(admin) for _ in range(3)]
    await watching_first.send_json_to({"watch": first.pk})
    await watching_second.send_json_to({"watch": second.pk})
    await watching_second.send_json_to({"watch": None})  # closed it
    await watching_second.send_json_to({"watch": second.pk})  # and opened it again

    # when she answers in the first and the sandbox delivers the answer
    reply = await sync_to_async(agent_reply)(conversation=first, by=admin, text="hola")
    await sync_to_async(outbox.deliver)(reply.pk)

    # then every console hears the new message; only the first one its tick
    def events(frames):
        return [(f["event"], f["data"].get("status")) for f in frames if "message" in f["event"]]

    assert events(await read_frames(watching_first)) == [
        ("message:new", "queued"),
        ("message:status", "sent"),
    ]
    assert events(await read_frames(watching_second)) == [("message:new", "queued")]
    assert events(await read_frames(watching_none)) == [("message:new", "queued")]

    # and a console that comes back asks for the ticks of what it has open, in the replay too
    again = await open_console(admin)
    await again.send_json_to({"watch": first.pk, "resume_from": 0})
    replayed = events(await read_frames(again))
    assert ("message:status", "sent") in replayed
    for communicator in (watching_first, watching_second, watching_none, again):
        await communicator.disconnect()


@pytest.mark.parametrize("watch", ["7", 0, -1, 2**63, True, 1.5, [1]])
async def test_a_watch_that_is_no_conversation_id_is_answered_with_an_error(admin, watch):
    console = await open_console(admin)
    await console.send_json_to({"watch": watch})
    assert await read_frames(console) == [{"event": "error", "data": {"detail": "bad watch"}}]
    await console.disconnect()
