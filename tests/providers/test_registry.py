"""A line's client: one per line and process, its connections reused, closed when its credentials
change, when the line goes and when the process stops."""

import ssl
import threading

import httpx
import httpx._transports.default as httpx_transports
import pytest

from tests.inbound.cloud_posts import customer_writes
from ventanilla.conversations.outbound import message_queue_outbound
from ventanilla.providers import http, registry
from ventanilla.providers.base import OutboundMessage
from ventanilla.providers.models import Line
from ventanilla.providers.registry import client_for
from ventanilla.providers.services import line_update

pytestmark = pytest.mark.django_db(transaction=True)


def _text(body: str) -> OutboundMessage:
    return OutboundMessage(to_phone="5493515551111", to_user_id="", type="text", text=body)


def _stored(line: Line) -> Line:
    """The line as another process reads it."""
    return Line.objects.get(pk=line.pk)


def test_two_sends_of_a_line_use_the_same_client(cloud_line, fake_cloud_api):
    with client_for(cloud_line) as first:
        first.send(_text("uno"))
    with client_for(_stored(cloud_line)) as second:
        second.send(_text("dos"))

    assert second is first
    assert len(fake_cloud_api.sent_messages()) == 2


def test_replies_reach_the_graph_api_over_one_connection(cloud_line, fake_cloud_api, admin):
    chat = customer_writes(cloud_line)

    for text in ("Hola Ana", "¿En qué te ayudo?", "Ya lo reviso"):
        message_queue_outbound(conversation=chat, sender_type="agent", sender_user=admin, text=text)

    assert [sent["text"]["body"] for sent in fake_cloud_api.sent_messages()] == [
        "Hola Ana",
        "¿En qué te ayudo?",
        "Ya lo reviso",
    ]
    assert fake_cloud_api.connections == 1


def test_threads_sending_at_once_share_the_line_s_client(cloud_line, fake_cloud_api):
    used, start = [], threading.Barrier(8)

    def send(number: int) -> None:
        start.wait()
        with client_for(cloud_line) as client:
            used.append(client)
            client.send(_text(f"mensaje {number}"))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(used) == 8 and len({id(client) for client in used}) == 1
    assert len(fake_cloud_api.sent_messages()) == 8


def test_new_credentials_make_a_new_client_and_close_the_old_one(cloud_line, fake_cloud_api):
    with client_for(cloud_line) as old:
        pass

    line_update(line=cloud_line, cloud_access_token="a-new-token")

    assert old.http.is_closed
    with client_for(cloud_line) as new:
        assert new is not old
        assert new.access_token == "a-new-token"


def test_credentials_changed_by_another_process_take_effect_on_the_next_use(
    cloud_line, fake_cloud_api
):
    with client_for(cloud_line) as old:
        pass
    Line.objects.filter(pk=cloud_line.pk).update(cloud_api_url=f"{fake_cloud_api.url}/")

    with client_for(_stored(cloud_line)) as new:
        new.send(_text("hola"))

    assert new is not old
    assert old.http.is_closed
    assert len(fake_cloud_api.sent_messages()) == 1


def test_a_client_in_use_is_closed_only_when_its_use_ends(cloud_line, fake_cloud_api):
    with client_for(cloud_line) as old:
        line_update(line=cloud_line, cloud_access_token="a-new-token")
        with client_for(cloud_line) as new:
            assert new is not old
        assert not old.http.is_closed
        old.send(_text("still going"))  # the send that was under way when the token changed

    assert old.http.is_closed
    assert not new.http.is_closed


def test_saving_a_line_without_new_credentials_keeps_its_client(cloud_line, fake_cloud_api):
    with client_for(cloud_line) as first:
        pass

    line_update(line=cloud_line, display_name="Ventas")

    with client_for(cloud_line) as second:
        assert second is first
    assert not first.http.is_closed


def test_a_deleted_line_closes_its_client(cloud_line, fake_cloud_api):
    with client_for(cloud_line) as client:
        pass

    Line.objects.get(pk=cloud_line.pk).delete()

    assert client.http.is_closed


def test_a_wppconnect_client_keeps_the_token_it_was_given(wppconnect_line, fake_wppconnect):
    with client_for(wppconnect_line) as client:
        client.status_session()

    stored = _stored(wppconnect_line)
    assert stored.wpp_token  # generated on first use and kept in the line
    with client_for(stored) as again:
        assert again is client


def test_shutdown_closes_every_client(cloud_line, wppconnect_line, fake_cloud_api):
    with client_for(cloud_line) as cloud, client_for(wppconnect_line) as wppconnect:
        pass

    registry.close_all()

    assert cloud.http.is_closed and wppconnect.http.is_closed


@pytest.mark.parametrize("command", ["web", "worker"])
def test_the_scaled_mode_commands_close_the_clients_when_they_stop(
    command, cloud_line, fake_cloud_api, monkeypatch
):
    from django.core.management import call_command

    from ventanilla.runtime import processes as runtime
    from ventanilla.runtime.management.commands import worker

    with client_for(cloud_line) as client:
        pass
    monkeypatch.setattr(runtime, "run_asgi_server", lambda **kwargs: None)
    monkeypatch.setattr(runtime, "start_scheduler_ticker", threading.Event)
    monkeypatch.setattr(runtime, "reconnect_lines", lambda: None)
    monkeypatch.setattr(worker, "call_command", lambda name: None)

    call_command(command)

    assert client.http.is_closed


def test_clients_share_one_verified_tls_context_built_once(monkeypatch):
    built, handed = [], []
    create = httpx.create_ssl_context
    monkeypatch.setattr(http, "_verified", None)
    monkeypatch.setattr(httpx, "create_ssl_context", lambda: built.append(1) or create())
    transport_create = httpx_transports.create_ssl_context

    def transport_given(verify=True, cert=None, trust_env=True):
        handed.append(verify)
        return transport_create(verify, cert, trust_env)

    monkeypatch.setattr(httpx_transports, "create_ssl_context", transport_given)

    plain = [http.new_client("http://127.0.0.1:21465", timeout=1) for _ in range(3)]
    assert built == []  # plain http:// servers need no TLS
    secure = [http.new_client("https://graph.facebook.com/v21.0", timeout=1) for _ in range(3)]
    assert built == [1]
    # httpx built none of its own: every transport was handed a context
    assert handed and all(isinstance(context, ssl.SSLContext) for context in handed)

    for client in plain + secure:
        client.close()


def test_a_plain_http_client_sent_to_an_https_url_verifies_it(monkeypatch):
    monkeypatch.setattr(http, "_verified", None)
    client = http.new_client("http://127.0.0.1:9", timeout=1)

    with pytest.raises(httpx.ConnectError):
        client.get("https://127.0.0.1:9/media")  # a media link elsewhere, over TLS

    assert http._verified is not None
    client.close()
