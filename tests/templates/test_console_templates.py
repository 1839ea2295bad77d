"""The console's template picker and "Nuevo chat", through Django's test client (the browser tests
in tests/e2e/test_templates.py drive the same in Chromium)."""

import pytest
from django.test import Client

from tests.inbound.cloud_posts import customer_writes
from ventanilla.contacts.models import Contact
from ventanilla.conversations.models import Conversation, Message
from ventanilla.providers import services
from ventanilla.providers.models import MessageTemplate

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}
# the pane of a Cloud API chat, whatever the number of templates: session, user, areas, the
# conversation, its messages, events, private notes and survey answers, the line, the areas to
# transfer to, the labels and the conversation's labels, the pinned transfer note, the templates
QUERY_BUDGET = 14


@pytest.fixture
def agent(make_user, soporte):
    return make_user(username="lucia", areas=[soporte])


@pytest.fixture
def chat(cloud_line, fake_cloud_api, agent):
    fake_cloud_api.add_template("seguimiento", "Hola {{1}}, tu pedido {{2}} está listo.")
    services.templates_sync(line=cloud_line)
    conversation = customer_writes(cloud_line)
    Conversation.objects.filter(pk=conversation.pk).update(assigned_to=agent, status="active")
    return conversation


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_picker_is_prefilled_with_the_contacts_name_and_previews(chat, agent):
    pane = _as(agent).get(f"/chats/{chat.pk}/").content.decode()

    assert 'id="composer-templates"' in pane
    assert 'name="parameter" value="Ana"' in pane
    assert "Hola Ana, tu pedido {{2}} está listo." in pane
    assert 'name="text"' in pane  # the window is open: free text too


def test_a_wrong_parameter_shows_next_to_it_and_nothing_is_queued(chat, agent):
    template = MessageTemplate.objects.get(name="seguimiento")

    answer = _as(agent).post(
        f"/chats/{chat.pk}/templates/send/",
        {"template": template.pk, "parameter": ["Ana", "dos\tcosas"]},
        **HTMX,
    )

    assert answer.status_code == 422
    html = answer.content.decode()
    assert "tabulaciones" in html
    assert 'value="dos\tcosas"' in html  # what was typed stays
    assert not Message.objects.filter(direction="out").exists()


def test_a_template_sent_from_the_picker(chat, agent, fake_cloud_api):
    template = MessageTemplate.objects.get(name="seguimiento")

    answer = _as(agent).post(
        f"/chats/{chat.pk}/templates/send/",
        {"template": template.pk, "parameter": ["Ana", "A-9"]},
        **HTMX,
    )

    assert answer.status_code == 200
    assert "chat:sent" in answer["HX-Trigger"]
    message = Message.objects.get(direction="out")
    assert message.text == "Hola Ana, tu pedido A-9 está listo."
    assert fake_cloud_api.sent_messages()[0]["template"]["name"] == "seguimiento"


def test_new_chat_from_a_contact_on_the_cloud_line_needs_a_template(
    cloud_line, fake_cloud_api, admin, soporte, make_user
):
    fake_cloud_api.add_template("hola", "Hola {{1}}, te escribimos de la mesa de ayuda.")
    services.templates_sync(line=cloud_line)
    boss = make_user(role="SUPERVISOR", areas=[soporte])
    beto = Contact.objects.create(name="Beto", phone="+5493515552222", area=soporte)
    client = _as(boss)

    form = client.get(f"/chats/new/?contact={beto.pk}").content.decode()
    template = MessageTemplate.objects.get(name="hola")
    started = client.post(
        "/chats/new/",
        {
            "contact_id": beto.pk,
            "line_id": cloud_line.pk,
            "area_id": soporte.pk,
            "template": template.pk,
            "parameter": ["Beto"],
        },
    )
    again = client.post(
        "/chats/new/", {"contact_id": beto.pk, "line_id": cloud_line.pk, "text": "Hola"}
    )

    assert "Beto" in form and 'data-templates="1"' in form
    conversation = Conversation.objects.get(contact=beto)
    assert started.status_code == 302 and started["Location"] == f"/chats/{conversation.pk}/"
    assert conversation.assigned_to_id == boss.pk
    assert Message.objects.get(conversation=conversation).text == (
        "Hola Beto, te escribimos de la mesa de ayuda."
    )
    assert again.status_code == 302 and again["Location"] == f"/chats/{conversation.pk}/"


def test_an_agent_cannot_pick_a_contact_they_do_not_see(cloud_line, agent, soporte):
    hidden = Contact.objects.create(name="Oculta", phone="+5493515554444", area=soporte)

    form = _as(agent).get(f"/chats/new/?contact={hidden.pk}").content.decode()
    refused = _as(agent).post(
        "/chats/new/", {"contact_id": hidden.pk, "line_id": cloud_line.pk, "text": "Hola"}
    )

    assert "Oculta" not in form
    assert refused.status_code == 422
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("count", [2, 20])
def test_the_panes_queries_do_not_grow_with_the_templates(
    chat, agent, fake_cloud_api, cloud_line, count, django_assert_max_num_queries
):
    for n in range(count):
        fake_cloud_api.add_template(f"plantilla_{n}", f"Texto {n} para {{{{1}}}}")
    services.templates_sync(line=cloud_line)
    client = _as(agent)
    client.get(f"/chats/{chat.pk}/")  # marks it read once

    with django_assert_max_num_queries(QUERY_BUDGET):
        pane = client.get(f"/chats/{chat.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="chat-pane")

    assert pane.content.decode().count("<option") >= count + 1
