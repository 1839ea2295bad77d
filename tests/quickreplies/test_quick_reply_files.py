"""A quick reply's file: attached by whoever manages the reply, checked like agents' attachments
(kind from the bytes, WhatsApp's size: 413 names the limit, 422 the field) before anything is
written, and sent from a chat exactly like an agent's attachment, through the outbox, the
reply's text as its caption where the kind takes one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inbound.cloud_posts import customer_writes
from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Message
from ventanilla.quickreplies.models import QuickReply

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/quick-replies"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
MP3 = b"ID3\x04" + b"\x00" * 64
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def people(make_user, admin, soporte, ventas):
    return {
        "admin": admin,
        "lead": make_user(Role.SUPERVISOR, username="lucia", name="Lucía", areas=[soporte]),
        "other_lead": make_user(Role.SUPERVISOR, username="marta", name="Marta", areas=[ventas]),
        "agent": make_user(Role.SUPPORT, username="ana", name="Ana", areas=[soporte]),
        "sales": make_user(Role.SALES, username="pedro", name="Pedro", areas=[ventas]),
    }


def _reply(api, user, **fields) -> dict:
    body = {"code": "factura", "title": "Factura", "text": "Hola {nombre}, tu factura.", **fields}
    answer = api(user).post(URL, body)
    assert answer.status_code == 201, answer.content
    return answer.json()


def _attach(api, user, reply_id: int, content: bytes, name: str):
    client = api(user)
    return client.http.post(
        f"{URL}/{reply_id}/file",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )


def test_a_file_is_attached_listed_and_served_to_those_who_may_use_the_reply(
    api, people, soporte, settings
):
    reply = _reply(api, people["lead"], scope="area", area_id=soporte.pk)

    answer = _attach(api, people["lead"], reply["id"], PDF, "factura-mayo.pdf")

    assert answer.status_code == 200, answer.content
    file = answer.json()["file"]
    assert (file["kind"], file["mime_type"], file["filename"], file["size"]) == (
        "document",
        "application/pdf",
        "factura-mayo.pdf",
        len(PDF),
    )
    assert file["captioned"] is True
    [listed] = api(people["agent"]).get(URL).json()["items"]
    assert listed["file"] == file
    served = api(people["agent"]).get(file["url"])
    assert (served.status_code, served["Content-Type"]) == (200, "application/pdf")
    assert b"".join(served.streaming_content) == PDF
    assert api(people["sales"]).get(file["url"]).status_code == 404  # another area's reply


@pytest.mark.parametrize(
    ("owner", "scope", "who", "status"),
    [
        ("admin", "desk", "admin", 200),
        ("admin", "desk", "lead", 403),
        ("admin", "desk", "agent", 403),
        ("lead", "area", "lead", 200),
        ("lead", "area", "admin", 200),
        ("lead", "area", "agent", 403),
        ("lead", "area", "other_lead", 404),  # not hers to see
        ("agent", "personal", "agent", 200),
        ("agent", "personal", "admin", 404),
    ],
)
def test_only_who_manages_the_reply_attaches_or_takes_away_its_file(
    api, people, soporte, settings, owner, scope, who, status
):
    area_id = soporte.pk if scope == "area" else None
    reply = _reply(api, people[owner], scope=scope, area_id=area_id)

    answer = _attach(api, people[who], reply["id"], PDF, "factura.pdf")

    assert answer.status_code == status, answer.content
    stored = QuickReply.objects.get(pk=reply["id"])
    assert bool(stored.file) is (status == 200)
    if status == 403:
        assert list(answer.json()["errors"]) == ["scope"]
        assert _stored_files(settings) == []
    if status == 200:
        removed = api(people[who]).delete(f"{URL}/{reply['id']}/file")
        assert (removed.status_code, removed.json()["file"]) == (200, None)
        assert not QuickReply.objects.get(pk=reply["id"]).file


@pytest.mark.parametrize(
    ("content", "name", "status", "message"),
    [
        (PNG + b"\x00" * (5 * MB), "enorme.png", 413, "WhatsApp acepta imágenes de hasta 5 MB."),
        (b"MZ\x90\x00" + b"\x00" * 64, "factura.pdf", 422, "WhatsApp no acepta ese tipo"),
        (b"", "vacio.pdf", 422, "Elegí un archivo que no esté vacío."),
    ],
)
def test_a_file_whatsapp_would_refuse_is_refused_naming_the_field_and_nothing_is_written(
    api, people, settings, content, name, status, message
):
    reply = _reply(api, people["agent"])

    answer = _attach(api, people["agent"], reply["id"], content, name)

    assert answer.status_code == status, answer.content
    [said] = answer.json()["errors"]["file"]
    assert said.startswith(message)
    assert not QuickReply.objects.get(pk=reply["id"]).file
    assert _stored_files(settings) == []


# --- sending it from a chat --------------------------------------------------------------------


def _send(api, user, conversation_id: int, body: dict):
    return api(user).post(f"/api/conversations/{conversation_id}/messages", body)


def test_sending_a_quick_reply_sends_its_file_with_the_text_as_caption(
    api, people, soporte, make_conversation, settings
):
    reply = _reply(api, people["admin"], scope="desk")
    _attach(api, people["admin"], reply["id"], PDF, "factura.pdf")
    chat = make_conversation("active", area=soporte, assigned_to=people["agent"], name="Marta")

    answer = _send(
        api, people["agent"], chat.pk, {"quick_reply_id": reply["id"], "text": "Hola Marta"}
    )

    assert answer.status_code == 201, answer.content
    sent = answer.json()
    assert (sent["type"], sent["text"]) == ("document", "Hola Marta")
    assert sent["media"]["filename"] == "factura.pdf"
    message = Message.objects.get(pk=sent["id"])
    assert message.status == "sent"  # through the outbox, to the sandbox phone
    assert message.media_file.name == QuickReply.objects.get(pk=reply["id"]).file.name
    assert len(_stored_files(settings)) == 1  # the message points at the reply's file


def test_a_file_without_caption_goes_first_and_the_text_right_after(
    api, people, soporte, make_conversation
):
    reply = _reply(api, people["agent"])
    _attach(api, people["agent"], reply["id"], MP3, "instrucciones.mp3")
    chat = make_conversation("active", area=soporte, assigned_to=people["agent"])

    answer = _send(
        api, people["agent"], chat.pk, {"quick_reply_id": reply["id"], "text": "Escuchá"}
    )

    assert answer.status_code == 201, answer.content
    sent = list(chat.messages.filter(direction="out").order_by("pk").values_list("type", "text"))
    assert sent == [("audio", ""), ("text", "Escuchá")]


def test_a_quick_reply_is_sent_only_where_the_picker_offers_it(
    api, people, soporte, ventas, make_conversation
):
    theirs = _reply(api, people["other_lead"], scope="area", area_id=ventas.pk, code="ventas")
    _attach(api, people["other_lead"], theirs["id"], PDF, "precios.pdf")
    bare = _reply(api, people["agent"], code="sin-archivo")
    chat = make_conversation("active", area=soporte, assigned_to=people["agent"])
    admin_chat = make_conversation("active", area=soporte, assigned_to=people["admin"])

    def send(who, conversation, body):
        return _send(api, people[who], conversation.pk, body)

    assert send("agent", chat, {"quick_reply_id": theirs["id"]}).status_code == 404
    # an admin sees Ventas' replies, but a Soporte chat's picker does not offer them
    assert send("admin", admin_chat, {"quick_reply_id": theirs["id"]}).status_code == 404
    no_file = send("agent", chat, {"quick_reply_id": bare["id"], "text": "hola"})
    assert (no_file.status_code, list(no_file.json()["errors"])) == (422, ["quick_reply_id"])
    template = {"name": "x", "language": "es"}
    both = send("agent", chat, {"quick_reply_id": bare["id"], "template": template})
    assert (both.status_code, list(both.json()["errors"])) == (422, ["template"])
    assert not Message.objects.filter(direction="out", sender_type="agent").exists()


def test_on_the_cloud_api_it_is_uploaded_and_sent_as_an_agents_attachment(
    api, people, cloud_line, fake_cloud_api
):
    reply = _reply(api, people["admin"], scope="desk")
    _attach(api, people["admin"], reply["id"], PDF, "factura.pdf")
    chat = customer_writes(cloud_line)

    answer = _send(
        api, people["admin"], chat.pk, {"quick_reply_id": reply["id"], "text": "Tu factura"}
    )

    assert answer.status_code == 201, answer.content
    [upload] = fake_cloud_api.uploads()
    assert upload["content"] == PDF
    [sent] = fake_cloud_api.sent_messages()
    assert sent["document"] == {
        "id": upload["id"],
        "caption": "Tu factura",
        "filename": "factura.pdf",
    }
