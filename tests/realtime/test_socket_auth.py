"""The /ws/ socket: only signed-in, active users from an allowed origin get in."""

import pytest
from asgiref.sync import sync_to_async

from tests.sockets import SESSION_ENDED, connect, open_console, session_cookie


@pytest.mark.django_db(transaction=True)
async def test_signed_in_user_connects(make_user):
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(session_cookie)(user)

    communicator, connected, _ = await connect(cookie)

    assert connected is True
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_refused():
    communicator, connected, _ = await connect(None)

    # accepted only to be closed: a browser reads the close code of a socket that opened
    assert connected is True
    assert await communicator.receive_output() == SESSION_ENDED
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused(make_user):
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(session_cookie)(user)

    _, connected, _ = await connect(cookie, origin="https://evil.example.com")

    assert connected is False


@pytest.mark.django_db(transaction=True)
async def test_deactivated_user_is_refused(make_user):
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(session_cookie)(user)
    user.is_active = False
    await user.asave()

    communicator, connected, _ = await connect(cookie)

    assert connected is True
    assert await communicator.receive_output() == SESSION_ENDED
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_open_console_marks_presence_and_closing_ends_it(make_user):
    from ventanilla.accounts.models import User
    from ventanilla.core import clock

    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(session_cookie)(user)

    communicator, connected, _ = await connect(cookie)
    during = (await User.objects.aget(pk=user.pk)).console_seen_until
    await communicator.disconnect()
    after = (await User.objects.aget(pk=user.pk)).console_seen_until

    assert connected is True
    assert during > clock.now()
    assert after <= clock.now()


@pytest.mark.django_db(transaction=True)
async def test_finding_5_origin_must_match_scheme_host_and_port(make_user, settings):
    # given a signed-in user, the socket's own origin http://localhost:8000 and one trusted origin
    settings.CSRF_TRUSTED_ORIGINS = ["https://desk.example.com"]
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(session_cookie)(user)
    origins = [
        "http://localhost:8000",
        "http://localhost:8001",
        "https://localhost:8000",
        "http://localhost",
        "https://desk.example.com",
        "http://desk.example.com",
    ]
    # when a page from each origin opens the socket
    outcomes = {}
    for origin in origins:
        communicator, connected, _ = await connect(cookie, origin=origin)
        outcomes[origin] = connected
        if connected:
            await communicator.disconnect()
    # then only the same scheme, host and port, or a trusted origin, gets in
    assert outcomes == {
        "http://localhost:8000": True,
        "http://localhost:8001": False,
        "https://localhost:8000": False,
        "http://localhost": False,
        "https://desk.example.com": True,
        "http://desk.example.com": False,
    }


@pytest.mark.django_db(transaction=True)
async def test_finding_9b_a_frame_that_is_not_json_answers_an_error_and_keeps_the_socket(
    make_user,
):
    # given an open console socket
    communicator = await open_console(await sync_to_async(make_user)())
    # when the console sends a text frame that is not JSON, then a binary frame
    await communicator.send_to(text_data="hola, ¿me escuchás?")
    text_answer = await communicator.receive_json_from()
    await communicator.send_to(bytes_data=b"\x00\x01")
    bytes_answer = await communicator.receive_json_from()
    # then each is answered with an error event
    assert text_answer == bytes_answer == {"event": "error", "data": {"detail": "not JSON"}}
    # and the socket still works
    await communicator.send_json_to({"resume_from": 0})
    assert await communicator.receive_json_from() == {
        "event": "resume:done",
        "data": {"last_id": 0, "complete": True},
    }
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_resume_from_out_of_range_answers_an_error_and_keeps_the_socket(make_user):
    # given an open console socket
    communicator = await open_console(await sync_to_async(make_user)())
    # when it asks to resume from numbers no event id can be
    answers = []
    for frame in ['{"resume_from": 1e400}', '{"resume_from": 100000000000000000000000}']:
        await communicator.send_to(text_data=frame)
        answers.append(await communicator.receive_json_from())
    # then each is answered with an error event, and the socket still works
    assert answers == [{"event": "error", "data": {"detail": "bad resume_from"}}] * 2
    await communicator.send_json_to({"resume_from": 0})
    assert (await communicator.receive_json_from())["event"] == "resume:done"
    await communicator.disconnect()
