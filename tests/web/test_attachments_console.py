"""The console's doors for attachments: the composer's upload (JSON back, the visibility rule,
the same limits as the API) and the sandbox phone's files (its own line's only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Message

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _attach(client, conversation, content=PDF, name="factura.pdf", **extra):
    return client.post(
        f"/chats/{conversation.pk}/attach/",
        {"file": SimpleUploadedFile(name, content), "caption": "Factura", **extra},
    )


@pytest.fixture
def agent(make_user, soporte):
    return make_user(Role.OPERATOR, areas=[soporte])


def test_the_composer_uploads_a_file_and_it_is_queued_as_a_reply(make_conversation, agent, soporte):
    conversation = make_conversation("queued", area=soporte)

    answer = _attach(_client(agent), conversation)

    assert answer.status_code == 201
    message = Message.objects.get(pk=answer.json()["id"])
    assert (message.type, message.text, message.media_filename) == (
        "document",
        "Factura",
        "factura.pdf",
    )
    assert (message.sender_user, message.status) == (agent, "queued")
    conversation.refresh_from_db()
    assert conversation.assigned_to == agent  # replying takes the conversation, as for text


def test_the_composer_gets_the_limit_named_as_json(make_conversation, agent, soporte):
    conversation = make_conversation("queued", area=soporte)

    answer = _attach(_client(agent), conversation, PNG + b"\x00" * (6 * 1024 * 1024), "big.png")

    assert answer.status_code == 413
    assert answer.json()["errors"] == {"file": ["WhatsApp acepta imágenes de hasta 5 MB."]}
    assert not Message.objects.filter(direction="out").exists()


def test_a_closed_conversation_says_why(make_conversation, agent, soporte):
    conversation = make_conversation("closed", area=soporte, assigned_to=agent)

    answer = _attach(_client(agent), conversation)

    assert answer.status_code == 409
    assert answer.json()["detail"] == "La conversación está cerrada."


def test_who_may_not_see_the_conversation_gets_404(make_conversation, make_user, ventas, soporte):
    conversation = make_conversation("queued", area=soporte)
    other = make_user(Role.OPERATOR, areas=[ventas])

    assert _attach(_client(other), conversation).status_code == 404
    assert not Message.objects.filter(direction="out").exists()


def test_the_upload_needs_the_csrf_token(make_conversation, agent, soporte):
    conversation = make_conversation("queued", area=soporte)

    assert _attach(_client(agent, csrf=True), conversation).status_code == 403


def test_the_sandbox_phone_shows_the_files_of_its_thread(make_conversation, agent, soporte, admin):
    conversation = make_conversation("queued", area=soporte)
    message_id = _attach(_client(agent), conversation).json()["id"]
    phone = conversation.contact.phone

    thread = _client(admin).get("/sandbox/thread/", {"phone": phone}).content.decode()
    served = _client(admin).get(f"/sandbox/media/{message_id}/")

    assert f'href="/sandbox/media/{message_id}/"' in thread
    assert (served.status_code, served["Content-Type"]) == (200, "application/pdf")
    assert b"".join(served.streaming_content) == PDF
    assert served["X-Content-Type-Options"] == "nosniff"


def test_the_sandbox_phone_serves_no_other_lines_files(
    make_conversation, agent, soporte, admin, fake_cloud_api
):
    from tests.inbound.cloud_posts import customer_writes
    from ventanilla.providers.models import Line

    conversation = make_conversation("queued", area=soporte)
    message_id = _attach(_client(agent), conversation).json()["id"]
    cloud = Line.objects.create(provider="cloud", display_name="Cloud", cloud_phone_number_id="1")
    real = customer_writes(cloud)
    Message.objects.filter(conversation=real).update(media_file="media/secret.pdf")
    real_message = Message.objects.filter(conversation=real).first()

    assert _client(admin).get(f"/sandbox/media/{message_id}/").status_code == 200
    assert _client(admin).get(f"/sandbox/media/{real_message.pk}/").status_code == 404
