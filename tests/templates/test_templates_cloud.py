"""Message templates on the fake Cloud API: synced page after page, their review status from
Meta's webhook, sent with parameters (the exact Graph body), refused before anything is queued
when the parameters are wrong; outside the 24-hour window only templates go."""

from datetime import timedelta

import pytest

from tests.conftest import ApiClient
from tests.fakes.cloud_api import DEFAULT_WABA_ID
from tests.inbound.cloud_posts import customer_writes, post_signed
from ventanilla.conversations.models import Conversation, Message
from ventanilla.core import clock
from ventanilla.providers import services, tasks
from ventanilla.providers.models import MessageTemplate

pytestmark = pytest.mark.django_db(transaction=True)

SEGUIMIENTO = "Hola {{1}}, tu pedido {{2}} está listo para retirar."


@pytest.fixture
def templates(fake_cloud_api):
    fake_cloud_api.add_template("seguimiento", SEGUIMIENTO)
    fake_cloud_api.add_template("bienvenida", "¡Hola! Gracias por escribirnos.", language="es")
    fake_cloud_api.add_template("promo", "Ofertas de {{1}}", status="PENDING", category="MARKETING")
    return fake_cloud_api


@pytest.fixture
def chat(cloud_line, templates):
    services.templates_sync(line=cloud_line)
    return customer_writes(cloud_line)


@pytest.fixture
def agent_api(make_user, chat):
    agent = make_user(username="lucia")
    Conversation.objects.filter(pk=chat.pk).update(assigned_to=agent, status="active")
    return ApiClient(agent)


def _send(api, conversation, **body):
    return api.post(f"/api/conversations/{conversation.pk}/messages", body)


def test_templates_are_synced_over_two_pages(cloud_line, templates):
    templates.template_page_size = 2

    count = services.templates_sync(line=cloud_line)

    assert count == 3
    pages = [r for r in templates.requests if "message_templates" in r.path]
    assert len(pages) == 2
    assert f"/{DEFAULT_WABA_ID}/message_templates" in pages[0].path
    assert "after=2" in pages[1].path  # the cursor Meta gave, on the same address
    stored = {(t.name, t.language): t for t in MessageTemplate.objects.filter(line=cloud_line)}
    assert set(stored) == {("seguimiento", "es_AR"), ("bienvenida", "es"), ("promo", "es_AR")}
    assert stored[("promo", "es_AR")].status == "PENDING"
    assert stored[("promo", "es_AR")].category == "MARKETING"
    assert stored[("seguimiento", "es_AR")].components == [{"type": "BODY", "text": SEGUIMIENTO}]


def test_a_template_meta_no_longer_lists_is_removed_at_the_next_sync(cloud_line, templates):
    services.templates_sync(line=cloud_line)
    with templates._lock:
        templates._templates = [t for t in templates._templates if t["name"] != "promo"]

    assert services.templates_sync(line=cloud_line) == 2
    assert not MessageTemplate.objects.filter(name="promo").exists()


def test_the_status_webhook_updates_the_template(cloud_line, templates):
    services.templates_sync(line=cloud_line)
    promo = MessageTemplate.objects.get(name="promo")
    change = {
        "field": "message_template_status_update",
        "value": {
            "event": "APPROVED",
            "message_template_id": int(promo.provider_id),
            "message_template_name": "promo",
            "message_template_language": "es_AR",
            "reason": "NONE",
        },
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": DEFAULT_WABA_ID, "time": 1, "changes": [change]}],
    }

    answer = post_signed(body)

    assert answer.status_code == 200
    assert answer.json()["templates_updated"] == 1
    promo.refresh_from_db()
    assert promo.status == "APPROVED"


def test_templates_are_listed_for_the_line(agent_api, cloud_line):
    answer = agent_api.get(f"/api/lines/{cloud_line.pk}/templates")

    assert answer.status_code == 200
    items = {item["name"]: item for item in answer.json()["items"]}
    assert items["seguimiento"]["parameters"] == 2
    assert items["seguimiento"]["sendable"] is True
    assert items["seguimiento"]["body"] == SEGUIMIENTO
    assert items["promo"]["sendable"] is False  # still in review


def test_a_template_is_sent_with_its_parameters(agent_api, chat, templates):
    template = {"name": "seguimiento", "language": "es_AR", "parameters": ["Ana", "A-1234"]}

    answer = _send(agent_api, chat, template=template)

    assert answer.status_code == 201, answer.content
    message = Message.objects.get(pk=answer.json()["id"])
    assert message.type == "template"
    assert message.text == "Hola Ana, tu pedido A-1234 está listo para retirar."
    assert message.payload["name"] == "seguimiento"
    assert message.payload["parameters"] == ["Ana", "A-1234"]
    assert message.status == "sent"
    [body] = templates.sent_messages()
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "biz_opaque_callback_data": f"ventanilla-message:{message.pk}",
        "to": "5493515551111",
        "type": "template",
        "template": {
            "name": "seguimiento",
            "language": {"code": "es_AR"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ana"},
                        {"type": "text", "text": "A-1234"},
                    ],
                }
            ],
        },
    }


def test_a_template_without_parameters_sends_no_components(agent_api, chat, templates):
    answer = _send(agent_api, chat, template={"name": "bienvenida", "language": "es"})

    assert answer.status_code == 201, answer.content
    [body] = templates.sent_messages()
    assert body["template"] == {"name": "bienvenida", "language": {"code": "es"}}


def test_a_wrong_parameter_count_is_422_before_anything_is_queued(agent_api, chat, templates):
    before = Message.objects.count()
    template = {"name": "seguimiento", "language": "es_AR", "parameters": ["Ana"]}

    answer = _send(agent_api, chat, template=template)

    assert answer.status_code == 422
    assert "template.parameters" in answer.json()["errors"]
    assert "2" in answer.json()["errors"]["template.parameters"][0]
    assert Message.objects.count() == before
    assert templates.sent_messages() == []


@pytest.mark.parametrize(
    ("value", "why"),
    [("x" * 1025, "1024"), ("dos\nlíneas", "saltos"), ("a     b", "espacios"), ("  ", "Completá")],
)
def test_each_parameter_is_checked_as_whatsapp_would(agent_api, chat, templates, value, why):
    template = {"name": "seguimiento", "language": "es_AR", "parameters": ["Ana", value]}

    answer = _send(agent_api, chat, template=template)

    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert list(errors) == ["template.parameters.1"]
    assert why in errors["template.parameters.1"][0]
    assert templates.sent_messages() == []


def test_unknown_and_unapproved_templates_are_refused(agent_api, chat, templates):
    unknown = _send(agent_api, chat, template={"name": "nada", "language": "es_AR"})
    pending = _send(
        agent_api, chat, template={"name": "promo", "language": "es_AR", "parameters": ["x"]}
    )

    assert unknown.status_code == 422
    assert "template.name" in unknown.json()["errors"]
    assert pending.status_code == 422
    assert "PENDING" in pending.json()["errors"]["template.name"][0]
    assert templates.sent_messages() == []


def test_outside_the_window_only_templates_go(agent_api, chat, templates):
    Conversation.objects.filter(pk=chat.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=25)
    )

    text = _send(agent_api, chat, text="¿Seguís ahí?")
    template = _send(
        agent_api,
        chat,
        template={"name": "seguimiento", "language": "es_AR", "parameters": ["Ana", "A-1"]},
    )

    assert text.status_code == 409
    assert template.status_code == 201
    assert [b["type"] for b in templates.sent_messages()] == ["template"]


def test_text_and_template_together_are_refused(agent_api, chat):
    answer = _send(agent_api, chat, text="hola", template={"name": "bienvenida", "language": "es"})

    assert answer.status_code == 422
    assert "text" in answer.json()["errors"]


def test_a_sandbox_line_has_no_templates(api, admin, make_conversation):
    conversation = make_conversation(status="active", assigned_to=admin)
    client = ApiClient(admin)

    answer = _send(client, conversation, template={"name": "bienvenida", "language": "es"})

    assert answer.status_code == 422
    assert "template" in answer.json()["errors"]


def test_syncing_needs_the_waba_id_and_names_metas_failure(cloud_line, templates, admin):
    client = ApiClient(admin)
    templates.fail_next(status=500, path="message_templates")

    failed = client.post(f"/api/lines/{cloud_line.pk}/templates/sync")
    done = client.post(f"/api/lines/{cloud_line.pk}/templates/sync")
    cloud_line.cloud_waba_id = ""
    cloud_line.save()
    missing = client.post(f"/api/lines/{cloud_line.pk}/templates/sync")

    assert failed.status_code == 502
    assert done.json() == {"templates": 3}
    assert missing.status_code == 422
    assert "cloud_waba_id" in missing.json()["errors"]


def test_the_waba_id_setting_reaches_the_default_line(db, settings):
    settings.WHATSAPP_PROVIDER = "cloud"
    settings.WHATSAPP_CLOUD_WABA_ID = "555000111"

    line = services.line_sync_default_from_settings()

    assert (line.provider, line.cloud_waba_id) == ("cloud", "555000111")


def test_the_hourly_job_syncs_every_cloud_line_and_survives_a_failing_one(cloud_line, templates):
    other = services.line_create(
        provider="cloud",
        display_name="Otra",
        cloud_phone_number_id="999",
        cloud_access_token="wrong-token",
        cloud_waba_id=DEFAULT_WABA_ID,
    )
    other.cloud_api_url = cloud_line.cloud_api_url
    other.save()

    tasks.sync_templates_hourly.call_local()

    assert MessageTemplate.objects.filter(line=cloud_line).count() == 3
    assert MessageTemplate.objects.filter(line=other).count() == 0  # 401 from Meta, logged


def test_the_lines_card_syncs_the_templates_on_demand(cloud_line, templates, admin, client):
    client.force_login(admin)

    page = client.get("/settings/").content.decode()
    synced = client.post(f"/settings/lines/{cloud_line.pk}/templates/", follow=True)

    assert "Sincronizar plantillas" in page
    assert f"Plantillas de la cuenta {DEFAULT_WABA_ID}: 0" in page
    assert "3 plantillas leídas de WhatsApp" in synced.content.decode()
    assert f"Plantillas de la cuenta {DEFAULT_WABA_ID}: 3 (2 para enviar)" in (
        synced.content.decode()
    )
