"""Writing first (POST /api/conversations): free text where the line allows it, a template on
the Cloud API; leads to anyone, agents to contacts they may see; assigned to whoever started it;
one open conversation per contact and line."""

import pytest

from tests.conftest import ApiClient
from tests.inbound.cloud_posts import customer_writes
from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.providers import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact(db, soporte):
    return Contact.objects.create(name="Beto", phone="+5493515552222", area=soporte)


def test_a_supervisor_starts_with_free_text_on_the_sandbox(make_user, soporte, sandbox_line):
    sandbox_contact = Contact.objects.create(name="Caro", phone="+5493515553333", sandbox=True)
    boss = make_user(role=Role.SUPERVISOR, areas=[soporte])

    answer = ApiClient(boss).post(
        "/api/conversations",
        {"contact_id": sandbox_contact.pk, "text": "Hola Caro", "area_id": soporte.pk},
    )

    assert answer.status_code == 201, answer.content
    conversation = Conversation.objects.get(pk=answer.json()["id"])
    assert (conversation.status, conversation.assigned_to_id) == ("active", boss.pk)
    assert conversation.area_id == soporte.pk
    assert conversation.bot_active is False
    assert Message.objects.get(conversation=conversation).text == "Hola Caro"


def test_the_cloud_api_asks_for_a_template(make_user, soporte, cloud_line, contact, fake_cloud_api):
    fake_cloud_api.add_template("hola", "Hola {{1}}, te escribimos de la mesa de ayuda.")
    services.templates_sync(line=cloud_line)
    boss = ApiClient(make_user(role=Role.SUPERVISOR, areas=[soporte]))

    text = boss.post("/api/conversations", {"contact_id": contact.pk, "text": "Hola"})
    template = boss.post(
        "/api/conversations",
        {
            "contact_id": contact.pk,
            "template": {"name": "hola", "language": "es_AR", "parameters": ["Beto"]},
        },
    )

    assert text.status_code == 422
    assert "template" in text.json()["errors"]
    assert template.status_code == 201, template.content
    [sent] = fake_cloud_api.sent_messages()
    assert sent["to"] == "5493515552222"
    assert sent["template"]["components"][0]["parameters"] == [{"type": "text", "text": "Beto"}]


def test_one_open_conversation_per_contact_and_line(make_user, soporte, sandbox_line):
    caro = Contact.objects.create(name="Caro", phone="+5493515553333", sandbox=True)
    boss = ApiClient(make_user(role=Role.SUPERVISOR, areas=[soporte]))
    first = boss.post("/api/conversations", {"contact_id": caro.pk, "text": "Hola"})

    again = boss.post("/api/conversations", {"contact_id": caro.pk, "text": "¿Hola?"})

    assert first.status_code == 201
    assert again.status_code == 409
    assert f"#{first.json()['id']}" in again.json()["detail"]
    assert Conversation.objects.count() == 1


def test_an_agent_writes_only_to_contacts_they_may_see(make_user, soporte, sandbox_line):
    agent = make_user(areas=[soporte])
    hidden = Contact.objects.create(name="Oculta", phone="+5493515554444", sandbox=True)
    client = ApiClient(agent)

    by_id = client.post("/api/conversations", {"contact_id": hidden.pk, "text": "Hola"})
    by_phone = client.post("/api/conversations", {"phone": "+5493515554444", "text": "Hola"})
    new_number = client.post("/api/conversations", {"phone": "+5493515559999", "text": "Hola"})

    assert by_id.status_code == 422 and "contact_id" in by_id.json()["errors"]
    assert by_phone.status_code == 422 and "phone" in by_phone.json()["errors"]
    assert new_number.status_code == 422 and "phone" in new_number.json()["errors"]
    assert Conversation.objects.count() == 0


def test_an_agent_writes_again_to_a_customer_they_served(make_user, soporte, cloud_line):
    agent = make_user(areas=[soporte])
    earlier = customer_writes(cloud_line)
    Conversation.objects.filter(pk=earlier.pk).update(
        assigned_to=agent, status="closed", open_key=None
    )
    wpp = services.line_create(provider="sandbox", display_name="Otra")  # no window, no template
    Contact.objects.filter(pk=earlier.contact_id).update(sandbox=True)

    answer = ApiClient(agent).post(
        "/api/conversations",
        {"contact_id": earlier.contact_id, "line_id": wpp.pk, "text": "Hola de nuevo"},
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["assigned_to"]["id"] == agent.pk
    assert answer.json()["area"]["id"] == soporte.pk  # one of theirs, by default


def test_an_admin_types_a_new_phone_and_the_area_queues_it(admin, soporte, sandbox_line):
    services.line_update(line=sandbox_line, display_name="Sandbox")
    wpp = services.line_create(provider="wppconnect", display_name="WPP")

    answer = ApiClient(admin).post(
        "/api/conversations",
        {"phone": "0351 15 555-7777", "line_id": wpp.pk, "area_id": soporte.pk, "text": "Hola"},
    )

    assert answer.status_code == 201, answer.content
    conversation = Conversation.objects.get(pk=answer.json()["id"])
    assert (conversation.status, conversation.assigned_to_id) == ("queued", None)
    assert conversation.contact.phone == "+5493515557777"
