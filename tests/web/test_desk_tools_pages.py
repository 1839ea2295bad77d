"""The Quick replies and Labels screens."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Label
from ventanilla.quickreplies.models import QuickReply


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_an_agent_keeps_personal_replies_and_reads_shared_ones(make_user, admin, soporte):
    agent = make_user(Role.SUPPORT, areas=[soporte])
    browser = _browser(agent)
    shared = QuickReply.objects.create(
        code="desk", code_key="desk", title="Del equipo", text="x", scope="desk", shelf="desk"
    )

    page = browser.get("/quick-replies/").content.decode()
    made = browser.post(
        "/quick-replies/",
        {"code": "gracias", "title": "Gracias", "text": "Gracias {nombre}", "scope": "personal"},
    )
    refused = browser.post(
        "/quick-replies/", {"code": "d", "title": "D", "text": "d", "scope": "desk"}
    )

    assert "/desk" in page and f"/quick-replies/{shared.pk}/" not in page
    assert made.status_code == 302
    assert refused.status_code == 422  # not a choice the form offers an agent
    mine = QuickReply.objects.get(code="gracias")
    assert mine.owner_id == agent.pk
    edited = browser.post(
        f"/quick-replies/{mine.pk}/", {"code": "gracias", "title": "G", "text": "Chau"}
    )
    assert edited.status_code == 302
    assert QuickReply.objects.get(pk=mine.pk).text == "Chau"
    assert browser.post(f"/quick-replies/{mine.pk}/delete/").status_code == 302
    assert not QuickReply.objects.filter(pk=mine.pk).exists()


def test_a_supervisor_adds_one_for_their_area(make_user, soporte, ventas):
    lead = make_user(Role.SUPERVISOR, areas=[soporte])

    answer = _browser(lead).post(
        "/quick-replies/",
        {"code": "hola", "title": "Hola", "text": "Hola", "scope": "area", "area_id": soporte.pk},
    )
    other = _browser(lead).post(
        "/quick-replies/",
        {"code": "hola", "title": "Hola", "text": "Hola", "scope": "area", "area_id": ventas.pk},
    )

    assert answer.status_code == 302
    assert QuickReply.objects.get().area_id == soporte.pk
    assert other.status_code == 422


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("_media_in_tmp")
def test_a_reply_gets_a_file_on_the_screen_and_loses_it_there(make_user, soporte):
    agent = make_user(Role.SUPPORT, areas=[soporte])
    browser = _browser(agent)
    fields = {"code": "factura", "title": "Factura", "text": "Tu factura", "scope": "personal"}

    too_large = browser.post(
        "/quick-replies/",
        {**fields, "file": SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 6 * 2**20)},
    )
    made = browser.post("/quick-replies/", {**fields, "file": SimpleUploadedFile("mayo.pdf", PDF)})

    assert too_large.status_code == 422
    assert "WhatsApp acepta imágenes de hasta 5 MB." in too_large.content.decode()
    assert made.status_code == 302
    reply = QuickReply.objects.get()
    assert (reply.file_kind, reply.file_filename) == ("document", "mayo.pdf")
    listed = browser.get("/quick-replies/").content.decode()
    assert f"/api/quick-replies/{reply.pk}/file" in listed and "mayo.pdf" in listed
    edit = browser.get(f"/quick-replies/{reply.pk}/").content.decode()
    assert 'id="reply-remove_file"' in edit
    kept = browser.post(f"/quick-replies/{reply.pk}/", {**fields, "title": "Factura de mayo"})
    assert kept.status_code == 302
    assert QuickReply.objects.get().file  # no new file, no "remove": the file stays
    removed = browser.post(f"/quick-replies/{reply.pk}/", {**fields, "remove_file": "on"})
    assert removed.status_code == 302
    assert not QuickReply.objects.get().file


def test_admins_define_labels_on_their_screen(admin_client):
    made = admin_client.post("/labels/", {"name": "VIP", "color": "purple"})
    clash = admin_client.post("/labels/", {"name": "vip", "color": "red"})
    label = Label.objects.get()
    renamed = admin_client.post(f"/labels/{label.pk}/", {"name": "Cliente VIP", "color": "red"})
    page = admin_client.get("/labels/").content.decode()
    deleted = admin_client.post(f"/labels/{label.pk}/delete/")

    assert made.status_code == 302
    assert clash.status_code == 422
    assert renamed.status_code == 302
    assert '<span class="tag tag--label tag--label-red">Cliente VIP</span>' in page
    assert deleted.status_code == 302
    assert not Label.objects.exists()
