"""`ventanilla serve --demo` from an empty data folder, over real HTTP, as `make run` starts it."""

import json
import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.fakes.cloud_api import sign
from tests.servers import serving


@pytest.fixture
def served(tmp_path, request):
    with serving(tmp_path, "--demo", **getattr(request, "param", {})) as answer:
        yield answer


def test_serve_migrates_seeds_prints_credentials_that_work(served):
    base, log = served
    printed = log.read_text()
    match = re.search(r"Admin sign-in: username '(\w+)', password '([^']+)'", printed)
    assert match, printed
    username, password = match.groups()
    assert f"listening on {base}/" in printed
    assert "WhatsApp line: Sandbox" in printed

    with httpx.Client(base_url=base) as browser:
        assert browser.get("/readyz").json() == {"status": "ok"}
        assert browser.get("/login/").status_code == 200
        # the cookies are Secure, which httpx sends only over https: pass them on by hand,
        # as browsers do for 127.0.0.1 and localhost
        csrf = browser.get("/api/auth/csrf")
        token = csrf.json()["csrf_token"]
        signed_in = browser.post(
            "/api/auth/login",
            json={"username": username, "password": password},
            headers={
                "X-CSRFToken": token,
                "Cookie": f"ventanilla_csrftoken={csrf.cookies['ventanilla_csrftoken']}",
            },
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["user"]["role"] == "ADMIN"
        session = signed_in.cookies["ventanilla_session"]
        csrf_cookie = csrf.cookies["ventanilla_csrftoken"]
        cookies = f"ventanilla_session={session}; ventanilla_csrftoken={csrf_cookie}"
        signed = {"Cookie": cookies, "X-CSRFToken": token}
        areas = browser.get("/api/areas", headers=signed).json()

        # a sandbox customer writes, the admin answers, and the in-process worker sends it
        wrote = browser.post(
            "/api/sandbox/messages", json={"from": "+5493515550000", "text": "hola"}, headers=signed
        ).json()
        conversation = wrote["conversation_id"]
        reply = browser.post(
            f"/api/conversations/{conversation}/messages", json={"text": "¡Hola!"}, headers=signed
        )
        assert reply.status_code == 201, reply.text
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            received = browser.get(
                "/api/sandbox/messages?phone=%2B5493515550000", headers=signed
            ).json()["items"]
            if len(received) == 3 and all(m["status"] == "sent" for m in received):
                break
            time.sleep(0.1)
        # the demo flow greets and asks for the DNI; then the admin's reply went out too
        assert [(m["text"], m["status"]) for m in received] == [
            ("¡Hola! 👋 Bienvenido a la mesa de ayuda.", "sent"),
            ("Para empezar, ¿cuál es tu DNI?", "sent"),
            ("¡Hola!", "sent"),
        ]
    assert [area["name"] for area in areas["items"]] == ["Soporte", "Ventas"]
    database = sqlite3.connect(log.parent / "data" / "ventanilla.sqlite3")
    assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)


CLOUD_ENV = {
    "WHATSAPP_PROVIDER": "cloud",
    "WHATSAPP_CLOUD_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_CLOUD_ACCESS_TOKEN": "token",
    "WHATSAPP_CLOUD_APP_SECRET": "served-secret",
    "WHATSAPP_CLOUD_VERIFY_TOKEN": "served-verify",
    # the demo bot answers; nothing may leave this machine, so replies meet a closed local port
    "WHATSAPP_CLOUD_API_URL": "http://127.0.0.1:9",
}


@pytest.mark.parametrize("served", [CLOUD_ENV], indirect=True)
def test_cloud_webhook_over_real_http_is_verified_and_stored_once(served):
    base, log = served
    body = (Path(__file__).parent / "fixtures/whatsapp/cloud-api/text.json").read_bytes()
    signed = {"X-Hub-Signature-256": sign(body, "served-secret")}

    with httpx.Client(base_url=base) as meta:
        handshake = meta.get(
            "/webhooks/whatsapp/cloud",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": "served-verify",
                "hub.challenge": "7",
            },
        )
        forged = meta.post(
            "/webhooks/whatsapp/cloud", content=body, headers={"X-Hub-Signature-256": "sha256=00"}
        )
        first = meta.post("/webhooks/whatsapp/cloud", content=body, headers=signed)
        again = meta.post("/webhooks/whatsapp/cloud", content=body, headers=signed)

    assert (handshake.status_code, handshake.text) == (200, "7")
    assert forged.status_code == 403
    assert first.json() == {
        "status": "stored",
        "messages": 1,
        "duplicates": 0,
        "statuses": 0,
        "ignored": 0,
    }
    assert again.json()["duplicates"] == 1
    database = sqlite3.connect(log.parent / "data" / "ventanilla.sqlite3")
    rows = database.execute(
        "SELECT text FROM conversations_message WHERE direction = 'in'"
    ).fetchall()
    assert rows == [("Where is my order #1234?",)]


def _text_webhook(message_id: str, phone: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "1", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": phone}],
        "messages": [
            {
                "from": phone,
                "id": message_id,
                "timestamp": "1750030073",
                "type": "text",
                "text": {"body": message_id},
            }
        ],
    }
    entry = {"id": "1", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


@pytest.mark.parametrize("served", [CLOUD_ENV], indirect=True)
def test_concurrent_webhooks_are_each_answered_and_stored_once(served):
    base, log = served
    posts = [
        (_text_webhook(f"wamid.burst.{n}", f"54935155530{n % 6:02d}"), "sign") for n in range(48)
    ]
    posts.append(posts[5])  # Meta delivering one twice, at the same time
    posts.append((posts[7][0], "sha256=00"))  # and a forgery in the crowd

    def send(post):
        body, signature = post
        if signature == "sign":
            signature = sign(body, "served-secret")
        with httpx.Client(base_url=base, timeout=30) as meta:
            response = meta.post(
                "/webhooks/whatsapp/cloud", content=body, headers={"X-Hub-Signature-256": signature}
            )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(send, posts))

    assert [status for status, _ in answers] == [200] * 49 + [403]
    stored = sum(body["messages"] for _, body in answers[:49])
    duplicates = sum(body["duplicates"] for _, body in answers[:49])
    assert (stored, duplicates) == (48, 1)
    database = sqlite3.connect(log.parent / "data" / "ventanilla.sqlite3")
    texts = database.execute(
        "SELECT text FROM conversations_message WHERE direction = 'in' ORDER BY text"
    ).fetchall()
    assert sorted(text for (text,) in texts) == sorted(f"wamid.burst.{n}" for n in range(48))
    conversations = database.execute(
        "SELECT COUNT(*) FROM conversations_conversation WHERE status != 'closed'"
    ).fetchone()
    assert conversations == (6,)
