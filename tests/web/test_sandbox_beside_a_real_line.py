"""Issue 13, finding 1: the sandbox phone is no back door into a desk with a real line.

The sandbox line exists only when the installation asks for it (WHATSAPP_PROVIDER=sandbox, or
SANDBOX_ENABLED beside a real line); beside a real line only admins drive it; and its senders are
contacts of their own, never a real line's customers (ADR 0018).
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from pytest_django.asserts import assertInHTML

from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core.models import LiveEvent
from ventanilla.inbound import pipeline
from ventanilla.providers.base import InboundMessage, ParsedWebhook
from ventanilla.providers.models import Line

REAL = "+5493515550042"
NAV_LINK = "Teléfono de prueba</a></li>"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _real_customer_writes(line: Line, text: str, wamid: str) -> Message:
    inbound = InboundMessage(
        provider_message_id=wamid,
        from_phone=REAL.lstrip("+"),
        from_user_id="",
        profile_name="Marta",
        type="text",
        text=text,
        line_key=line.cloud_phone_number_id,
    )
    pipeline.receive(line_for=lambda key: line, parsed=ParsedWebhook(messages=[inbound]))
    return Message.objects.get(line=line, provider_id=wamid)


@pytest.fixture
def desk(settings, cloud_line, make_user, soporte, ventas):
    """A desk on a Cloud API line, where Marta talked to Ventas and sent a photo."""
    settings.WHATSAPP_PROVIDER = "cloud"
    settings.SANDBOX_ENABLED = False
    sofia = make_user(Role.SUPPORT, username="sofia", areas=[soporte])
    valentin = make_user(Role.SALES, username="valentin", areas=[ventas])
    photo = _real_customer_writes(cloud_line, "mi tarjeta termina en 4242", "wamid.REAL-1")
    photo.media_file.save("tarjeta.png", ContentFile(b"png"), save=False)
    photo.media_mime_type = "image/png"
    photo.save()
    real = photo.conversation
    conversations.conversation_queue(conversation=real, area=ventas)
    conversations.conversation_assign(conversation=real, user=valentin)
    conversations.conversation_close(conversation=real, by=valentin, message="")
    return {
        "line": cloud_line,
        "sofia": sofia,
        "valentin": valentin,
        "supervisor": make_user(Role.SUPERVISOR, areas=[soporte]),
        "admin": make_user(Role.ADMIN),
        "real": Conversation.objects.get(pk=real.pk),
        "photo": photo,
    }


def _written() -> tuple:
    return (
        list(Line.objects.order_by("pk").values_list("pk", "provider")),
        list(Contact.objects.order_by("pk").values_list("pk", "phone")),
        list(Conversation.objects.order_by("pk").values_list("pk", "contact_id", "status")),
        list(Message.objects.order_by("pk").values_list("pk", "status")),
        LiveEvent.objects.count(),
    )


def _tries_the_sandbox(user, api) -> list[int]:
    """The status of every way into the sandbox phone, for `user`."""
    web, json_api = _signed_in(user), api(user)
    return [
        json_api.post("/api/sandbox/messages", {"from": REAL, "text": "hola"}).status_code,
        json_api.get(f"/api/sandbox/messages?phone=%2B{REAL[1:]}").status_code,
        web.get("/sandbox/").status_code,
        web.get(f"/sandbox/?phone=%2B{REAL[1:]}").status_code,
        web.post("/sandbox/", {"phone": REAL, "text": "hola"}).status_code,
        web.get("/sandbox/thread/", {"phone": REAL}).status_code,
        web.post("/sandbox/thread/", {"phone": REAL}).status_code,
    ]


@pytest.mark.parametrize("who", ["admin", "supervisor", "sofia"])
def test_finding_1_a_real_desk_without_sandbox_enabled_has_no_sandbox_phone(desk, api, who):
    # given a desk on a Cloud API line that did not ask for a sandbox
    before = _written()
    user = desk[who]
    # when anyone, an admin included, tries the sandbox phone or its API
    statuses = _tries_the_sandbox(user, api)
    # then there is none: every way answers 404
    assert statuses == [404] * 7
    # and nothing was written: no sandbox line, contact, conversation, message or status
    assert _written() == before
    # and the navigation has no link to it
    assert NAV_LINK not in _signed_in(user).get("/").content.decode()


@pytest.mark.parametrize("who", ["supervisor", "sofia"])
def test_finding_1_beside_a_real_line_only_admins_drive_the_sandbox(desk, api, settings, who):
    # given a desk on a Cloud API line that enabled the sandbox beside it
    settings.SANDBOX_ENABLED = True
    before = _written()
    user = desk[who]
    # when someone who is not an admin tries the sandbox phone or its API
    statuses = _tries_the_sandbox(user, api)
    # then their role may not: 403 everywhere, and nothing was written
    assert statuses == [403] * 7
    assert _written() == before
    # and the navigation has no link to it, while an admin's has
    assert NAV_LINK not in _signed_in(user).get("/").content.decode()
    assert NAV_LINK in _signed_in(desk["admin"]).get("/").content.decode()


def test_finding_1_a_sandbox_sender_is_never_a_real_lines_contact(desk, api, settings, soporte):
    # given a desk on a Cloud API line with the sandbox enabled beside it
    settings.SANDBOX_ENABLED = True
    real, sofia = desk["real"], desk["sofia"]
    # when an admin writes on the sandbox phone "as" the real customer's number
    response = api(desk["admin"]).post(
        "/api/sandbox/messages", {"from": REAL, "name": "Marta", "text": "hola"}
    )
    # then it is a conversation of the sandbox line with a contact of its own
    assert response.status_code == 201
    sandbox = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert sandbox.line.provider == "sandbox"
    assert sandbox.contact_id != real.contact_id
    assert (sandbox.contact.phone, sandbox.contact.sandbox) == (REAL, True)
    assert Contact.objects.get(pk=real.contact_id).sandbox is False
    assert list(Conversation.objects.filter(contact_id=real.contact_id).values_list("pk")) == [
        (real.pk,)
    ]
    # and when it reaches Sofía of Soporte, her chat shows nothing of the real customer
    conversations.conversation_queue(conversation=sandbox, area=soporte)
    conversations.conversation_assign(conversation=sandbox, user=sofia)
    pane = _signed_in(sofia).get(
        f"/chats/{sandbox.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="chat-pane"
    )
    assert pane.status_code == 200
    assert "4242" not in pane.content.decode()
    assert "Conversación anterior" not in pane.content.decode()
    assert api(sofia).get(f"/api/messages/{desk['photo'].pk}/media").status_code == 404
    # and when the real customer writes again, it is the real contact's, not the sandbox one's
    again = _real_customer_writes(desk["line"], "¿me llaman?", "wamid.REAL-2")
    assert again.conversation.contact_id == real.contact_id
    assert again.conversation.line_id == desk["line"].pk


def test_finding_1_the_sandbox_line_is_created_only_when_asked_for(settings, cloud_line):
    from ventanilla.providers.services import line_sandbox

    # given a desk on a Cloud API line
    settings.WHATSAPP_PROVIDER = "cloud"
    # when the sandbox is not enabled, there is no sandbox line, and none is created
    settings.SANDBOX_ENABLED = False
    assert line_sandbox() is None
    assert list(Line.objects.values_list("provider", flat=True)) == ["cloud"]
    # when it is, a sandbox line beside the default one is created once
    settings.SANDBOX_ENABLED = True
    created = line_sandbox()
    assert (created.provider, created.is_default, created.state) == ("sandbox", False, "connected")
    assert line_sandbox().pk == created.pk
    assert list(Line.objects.order_by("pk").values_list("provider", flat=True)) == [
        "cloud",
        "sandbox",
    ]


def test_finding_1_on_a_sandbox_only_desk_every_role_drives_the_phone(
    settings, sandbox_line, make_user, api
):
    # given a demo desk on the sandbox line alone
    settings.WHATSAPP_PROVIDER = "sandbox"
    settings.SANDBOX_ENABLED = False
    agent = make_user(Role.SALES)
    # when an agent uses the phone and its API
    page = _signed_in(agent).get("/sandbox/")
    written = api(agent).post("/api/sandbox/messages", {"from": REAL, "text": "hola"})
    # then both work and the navigation links the phone
    assert page.status_code == 200
    assertInHTML('<a href="/sandbox/" aria-current="page">Teléfono de prueba</a>', page.text)
    assert written.status_code == 201
    assert Message.objects.get().conversation.contact.sandbox is True


def test_finding_1_staff_cannot_merge_a_sandbox_contact_into_a_real_one(desk, settings, api):
    # given the sandbox enabled beside a real line, and a sandbox sender with a real number
    settings.SANDBOX_ENABLED = True
    admin = desk["admin"]
    api(admin).post("/api/sandbox/messages", {"from": REAL, "text": "hola"})
    sandbox_contact = Contact.objects.get(sandbox=True)
    Contact.objects.filter(pk__in=[sandbox_contact.pk, desk["real"].contact_id]).update(
        dni="30123456"
    )
    before = _written()
    # when an admin merges the sandbox contact into the real one
    response = api(admin).post(
        f"/api/contacts/{desk['real'].contact_id}/merge", {"other_id": sandbox_contact.pk}
    )
    # then it is refused and nothing changes
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["other_id"]
    assert _written() == before
    # and the two are never suggested as one customer twice, although they share number and DNI
    assert api(admin).get("/api/contacts/duplicates").json()["items"] == []
