"""Follow-up outside the 24-hour window: writing to the customer of a closed Cloud API
conversation after the window closed takes a template (validated as any template send, 422 on
`template.*`, nothing reopened then), sent through the fake Graph API; free text stays 409. Lines
without templates have no window: free text reopens them, a template is refused."""

from datetime import timedelta

import pytest

from tests.inbound.cloud_posts import customer_writes
from ventanilla.accounts.models import Role
from ventanilla.conversations import services as conversations
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.providers import services

pytestmark = pytest.mark.django_db(transaction=True)

SEGUIMIENTO = "Hola {{1}}, tu pedido {{2}} está listo para retirar."


@pytest.fixture
def agent(make_user, soporte):
    return make_user(Role.SUPPORT, username="sofia", name="Sofía", areas=[soporte])


@pytest.fixture
def closed_yesterday(cloud_line, fake_cloud_api, agent, soporte):
    """Ana's Cloud API conversation, Sofía's, closed, the customer's last word 26 hours ago."""
    fake_cloud_api.add_template("seguimiento", SEGUIMIENTO)
    services.templates_sync(line=cloud_line)
    chat = customer_writes(cloud_line)
    Conversation.objects.filter(pk=chat.pk).update(area=soporte)
    conversations.conversation_assign(conversation=chat, user=agent)
    conversations.conversation_close(conversation=chat, by=agent, message="")
    Conversation.objects.filter(pk=chat.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=26)
    )
    return Conversation.objects.get(pk=chat.pk)


def _template(*parameters) -> dict:
    return {"name": "seguimiento", "language": "es_AR", "parameters": list(parameters)}


def test_a_template_reopens_the_conversation_and_goes_to_the_graph_api(
    closed_yesterday, agent, api, fake_cloud_api
):
    answer = api(agent).post(
        f"/api/conversations/{closed_yesterday.pk}/follow-up",
        {"template": _template("Ana", "A-1234")},
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["type"] == "template"
    assert answer.json()["text"] == "Hola Ana, tu pedido A-1234 está listo para retirar."
    closed_yesterday.refresh_from_db()
    assert (closed_yesterday.status, closed_yesterday.assigned_to_id) == ("active", agent.pk)
    [sent] = fake_cloud_api.sent_messages()
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "seguimiento"


def test_the_contacts_follow_up_takes_a_template_too(closed_yesterday, agent, api, fake_cloud_api):
    answer = api(agent).post(
        f"/api/contacts/{closed_yesterday.contact_id}/follow-up",
        {"template": _template("Ana", "B-9")},
    )

    assert answer.status_code == 201, answer.content
    assert fake_cloud_api.sent_messages()[0]["type"] == "template"


@pytest.mark.parametrize(
    ("template", "field"),
    [
        (_template("Ana"), "template.parameters"),
        ({"name": "no-existe", "language": "es_AR", "parameters": []}, "template.name"),
        ({"name": "seguimiento", "language": " ", "parameters": []}, "template.language"),
        (_template("Ana", "x" * 2000), "template.parameters.1"),
    ],
)
def test_a_wrong_template_is_422_naming_it_and_nothing_reopens(
    closed_yesterday, agent, api, fake_cloud_api, template, field
):
    before = Message.objects.count()

    answer = api(agent).post(
        f"/api/conversations/{closed_yesterday.pk}/follow-up", {"template": template}
    )

    assert answer.status_code == 422, answer.content
    assert field in answer.json()["errors"]
    closed_yesterday.refresh_from_db()
    assert closed_yesterday.status == "closed"
    assert Message.objects.count() == before
    assert fake_cloud_api.sent_messages() == []


def test_free_text_outside_the_window_stays_409(closed_yesterday, agent, api):
    answer = api(agent).post(
        f"/api/conversations/{closed_yesterday.pk}/follow-up", {"text": "¿Seguís ahí?"}
    )

    assert answer.status_code == 409
    closed_yesterday.refresh_from_db()
    assert closed_yesterday.status == "closed"


def test_a_line_without_templates_takes_free_text_and_refuses_a_template(
    make_conversation, agent, soporte, api
):
    chat = make_conversation("closed", area=soporte, assigned_to=agent)
    Conversation.objects.filter(pk=chat.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=26)
    )

    refused = api(agent).post(
        f"/api/conversations/{chat.pk}/follow-up", {"template": _template("Ana", "1")}
    )
    written = api(agent).post(f"/api/conversations/{chat.pk}/follow-up", {"text": "¿Pudiste?"})

    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["template"]
    assert written.status_code == 201, written.content
    chat.refresh_from_db()
    assert chat.status == "active"
