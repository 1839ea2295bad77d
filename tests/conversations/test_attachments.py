"""Agents' attachments: checked by their bytes and WhatsApp's limits before anything is written,
stored like inbound media, and sent through the outbox on the fake Cloud API (uploaded once, sent
by id) and the fake WPPConnect Server (the file itself)."""

import base64
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inbound.cloud_posts import customer_writes
from ventanilla.conversations import outbox, tasks
from ventanilla.conversations.models import Message
from ventanilla.core import attachments
from ventanilla.core.errors import InvalidInput, TooLarge

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OUTBOX_REQUEUE_SECONDS = 0  # the sweep sends a retry that is due at once


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(content: bytes, name: str, mime: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=mime)


def _attach(api, user, conversation, content, name, caption="", mime="application/octet-stream"):
    client = api(user)
    return client.http.post(
        f"/api/conversations/{conversation.pk}/attachments",
        {"file": _upload(content, name, mime), "caption": caption},
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )


# --- what a file is ----------------------------------------------------------------------------


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "kind", "mime"),
    [
        (JPEG, "foto.png", "image", "image/jpeg"),  # the bytes win over the extension
        (PNG, "captura", "image", "image/png"),
        (PDF, "factura.pdf", "document", "application/pdf"),
        (_docx(), "contrato.docx", "document", attachments.OOXML_FOLDERS["word/"]),
        (b"hola, esto es texto\n", "nota.txt", "document", "text/plain"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "clip.mp4", "video", "video/mp4"),
        (b"\x00\x00\x00\x18ftyp3gp4" + b"\x00" * 64, "clip.3gp", "video", "video/3gpp"),
        (b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 64, "voz.m4a", "audio", "audio/mp4"),
        (b"ID3\x04" + b"\x00" * 64, "tema.mp3", "audio", "audio/mpeg"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead", "voz.ogg", "audio", "audio/ogg"),
        (b"#!AMR\n" + b"\x00" * 64, "voz.amr", "audio", "audio/amr"),
        (b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * 64, "s.webp", "sticker", "image/webp"),
    ],
)
def test_the_kind_is_read_from_the_bytes(content, name, kind, mime):
    attachment, _ = attachments.checked(_upload(content, name, "image/png"))

    assert (attachment.kind, attachment.mime_type) == (kind, mime)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00" + b"\x00" * 64, "factura.pdf"),  # a program dressed as a PDF
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png"),
        (b"PK\x03\x04" + b"\x00" * 64, "no-es-office.docx"),
        (b"texto", "script.sh"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"vorbis", "voz.ogg"),  # WhatsApp plays Opus only
    ],
)
def test_what_whatsapp_does_not_take_is_refused_naming_the_field(content, name):
    with pytest.raises(InvalidInput) as refused:
        attachments.checked(_upload(content, name, "application/pdf"))

    assert "file" in refused.value.errors
    assert "JPEG o PNG" in refused.value.errors["file"][0]


def test_a_static_sticker_over_100_kb_is_too_large():
    sticker = b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * (101 * 1024)

    with pytest.raises(TooLarge) as refused:
        attachments.checked(_upload(sticker, "s.webp"))

    assert refused.value.errors == {"file": ["WhatsApp acepta stickers de hasta 100 KB."]}


def test_an_audio_takes_no_caption():
    with pytest.raises(InvalidInput) as refused:
        attachments.checked(_upload(b"ID3\x04" + b"\x00" * 64, "a.mp3"), "escuchá")

    assert refused.value.errors == {"caption": ["WhatsApp no muestra texto junto a audios."]}


# --- the Cloud API -----------------------------------------------------------------------------


def test_cloud_an_image_is_uploaded_then_sent_by_its_id(
    cloud_line, admin, api, fake_cloud_api, settings
):
    chat = customer_writes(cloud_line)

    answer = _attach(api, admin, chat, PNG, "foto.png", caption="Tu comprobante", mime="image/png")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["type"], body["text"], body["media"]["mime_type"]) == (
        "image",
        "Tu comprobante",
        "image/png",
    )
    [upload] = fake_cloud_api.uploads()
    assert (upload["type"], upload["filename"], upload["content"]) == ("image/png", "foto.png", PNG)
    [sent] = fake_cloud_api.sent_messages()
    assert sent["type"] == "image"
    assert sent["image"] == {"id": upload["id"], "caption": "Tu comprobante"}
    message = Message.objects.get(pk=body["id"])
    assert (message.status, message.media_provider_id) == ("sent", upload["id"])
    # stored by the desk, served by the same door as inbound media
    assert message.media_file.read() == PNG
    media = api(admin).get(body["media"]["url"])
    assert (media.status_code, media["Content-Type"]) == (200, "image/png")


def test_cloud_a_500_on_the_send_is_retried_without_uploading_twice(
    cloud_line, admin, api, fake_cloud_api, monkeypatch
):
    monkeypatch.setattr(outbox, "RETRY_BASE_SECONDS", 0)
    chat = customer_writes(cloud_line)
    fake_cloud_api.fail_next(status=500, times=2, path=r"^POST .*/messages$")

    answer = _attach(api, admin, chat, PDF, "factura.pdf", caption="Factura de mayo")
    tasks.sweep_outbox()

    message = Message.objects.get(pk=answer.json()["id"])
    assert (message.status, message.attempts) == ("sent", 3)
    uploads = [r for r in fake_cloud_api.requests if r.path.endswith("/media")]
    sends = [r for r in fake_cloud_api.requests if r.path.endswith("/messages")]
    assert (len(uploads), len(sends)) == (1, 3)
    [upload] = fake_cloud_api.uploads()
    assert {r.json["document"]["id"] for r in sends} == {upload["id"]}
    assert fake_cloud_api.sent_messages()[0]["document"] == {
        "id": upload["id"],
        "caption": "Factura de mayo",
        "filename": "factura.pdf",
    }


def test_cloud_a_failed_upload_is_tried_again_before_the_send(
    cloud_line, admin, api, fake_cloud_api, monkeypatch
):
    monkeypatch.setattr(outbox, "RETRY_BASE_SECONDS", 0)
    chat = customer_writes(cloud_line)
    fake_cloud_api.fail_next(status=500, times=1, path=r"^POST .*/media$")

    answer = _attach(api, admin, chat, JPEG, "foto.jpg")

    message = Message.objects.get(pk=answer.json()["id"])
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(fake_cloud_api.uploads()) == 1
    assert len(fake_cloud_api.sent_messages()) == 1


def test_cloud_a_6_mb_image_is_refused_naming_the_limit_before_any_write(
    cloud_line, admin, api, fake_cloud_api, settings
):
    chat = customer_writes(cloud_line)
    before = Message.objects.count()

    answer = _attach(api, admin, chat, JPEG + b"\x00" * (6 * MB), "grande.jpg", mime="image/jpeg")

    assert answer.status_code == 413
    assert answer.json()["errors"] == {"file": ["WhatsApp acepta imágenes de hasta 5 MB."]}
    assert Message.objects.count() == before
    assert _stored_files(settings) == []
    assert fake_cloud_api.requests == []


def test_cloud_the_24_hour_window_applies_as_for_text(cloud_line, admin, api, fake_cloud_api):
    chat = customer_writes(cloud_line)
    chat.__class__.objects.filter(pk=chat.pk).update(last_inbound_at="2020-01-01T00:00:00Z")

    answer = _attach(api, admin, chat, PNG, "foto.png")

    assert answer.status_code == 409
    assert Message.objects.filter(direction="out").count() == 0


# --- WPPConnect --------------------------------------------------------------------------------


@pytest.fixture
def wpp_chat(wppconnect_line, fake_wppconnect):
    fake_wppconnect.status = "CONNECTED"
    return customer_writes(wppconnect_line)


def test_wppconnect_a_document_and_an_image_go_as_the_files_themselves(
    wpp_chat, admin, api, fake_wppconnect
):
    pdf = _attach(api, admin, wpp_chat, PDF, "factura.pdf", caption="Factura")
    image = _attach(api, admin, wpp_chat, PNG, "foto.png")

    assert (pdf.status_code, image.status_code) == (201, 201)
    document, picture = fake_wppconnect.sent_messages()
    assert document["endpoint"] == "send-file-base64"
    assert (document["filename"], document["caption"]) == ("factura.pdf", "Factura")
    assert document["base64"] == "data:application/pdf;base64," + base64.b64encode(PDF).decode()
    assert picture["endpoint"] == "send-image"
    assert picture["base64"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert set(Message.objects.filter(direction="out").values_list("status", flat=True)) == {"sent"}
    assert not fake_wppconnect.calls("media")  # nothing is uploaded first on WhatsApp Web


def test_wppconnect_a_500_on_the_send_is_retried_with_the_same_file(
    wpp_chat, admin, api, fake_wppconnect, monkeypatch
):
    monkeypatch.setattr(outbox, "RETRY_BASE_SECONDS", 0)
    fake_wppconnect.fail_next(status=500, times=1, path=r"send-file-base64")

    answer = _attach(api, admin, wpp_chat, PDF, "factura.pdf")
    tasks.sweep_outbox()

    message = Message.objects.get(pk=answer.json()["id"])
    assert (message.status, message.attempts) == ("sent", 2)
    [sent] = fake_wppconnect.sent_messages()
    assert base64.b64decode(sent["base64"].split(",", 1)[1]) == PDF


def test_wppconnect_a_6_mb_image_is_refused_naming_the_limit_before_any_write(
    wpp_chat, admin, api, fake_wppconnect, settings
):
    before = Message.objects.count()

    answer = _attach(api, admin, wpp_chat, PNG + b"\x00" * (6 * MB), "grande.png")

    assert answer.status_code == 413
    assert answer.json()["errors"] == {"file": ["WhatsApp acepta imágenes de hasta 5 MB."]}
    assert Message.objects.count() == before
    assert _stored_files(settings) == []
    assert fake_wppconnect.sent_messages() == []


def test_the_api_names_a_missing_file(cloud_line, admin, api):
    chat = customer_writes(cloud_line)
    client = api(admin)

    answer = client.http.post(
        f"/api/conversations/{chat.pk}/attachments",
        {"caption": "sin archivo"},
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )

    assert answer.status_code == 422
    assert "file" in answer.json()["errors"]
    assert not Message.objects.filter(direction="out").exists()


def test_the_api_refuses_a_program_dressed_as_a_pdf(cloud_line, admin, api, settings):
    chat = customer_writes(cloud_line)

    answer = _attach(
        api, admin, chat, b"MZ\x90\x00" + b"\x00" * 64, "factura.pdf", mime="application/pdf"
    )

    assert answer.status_code == 422
    assert list(answer.json()["errors"]) == ["file"]
    assert _stored_files(settings) == []


def test_a_document_larger_than_memory_is_read_from_the_stream_and_sent_whole(
    cloud_line, admin, api, fake_cloud_api, settings
):
    chat = customer_writes(cloud_line)
    large = PDF + b"%" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MB)

    answer = _attach(api, admin, chat, large, "manual.pdf", mime="application/pdf")

    assert answer.status_code == 201, answer.content
    [upload] = fake_cloud_api.uploads()
    assert upload["content"] == large


def test_other_operations_keep_the_servers_body_limit(cloud_line, admin, api, settings):
    chat = customer_writes(cloud_line)
    client = api(admin)
    large = PDF + b"%" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MB)

    answer = client.http.post(
        f"/api/conversations/{chat.pk}/messages",
        {"file": _upload(large, "manual.pdf")},
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )

    assert answer.status_code == 413
    assert not Message.objects.filter(direction="out").exists()
