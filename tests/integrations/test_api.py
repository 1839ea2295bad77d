"""/api/webhooks: admins subscribe, read the log, resend and ping; nobody else may."""

import pytest

from tests.integrations.conftest import SECRET
from ventanilla.accounts.models import Role
from ventanilla.integrations.models import Delivery, Subscription

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_api(api, admin):
    return api(admin)


def test_an_admin_subscribes_and_sees_the_secret_once(admin_api, receiver):
    answer = admin_api.post(
        "/api/webhooks",
        {"url": f"{receiver.url}/hook", "events": ["conversation.closed", "message.sent"]},
    )

    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert len(created["secret"]) >= 32
    assert created["events"] == ["conversation.closed", "message.sent"]
    assert (created["pending"], created["failed"], created["is_active"]) == (0, 0, True)
    read = admin_api.get(f"/api/webhooks/{created['id']}").json()
    assert "secret" not in read
    assert admin_api.get("/api/webhooks").json()["items"] == [read]


def test_bad_fields_are_named_and_nothing_is_written(admin_api):
    answer = admin_api.post(
        "/api/webhooks",
        {"url": "ftp://example.com/x", "events": ["conversation.opened"], "secret": "short"},
    )

    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"url", "events", "secret"}
    assert Subscription.objects.count() == 0


def test_patch_delete_and_unknown_ids(admin_api, subscribe):
    subscription = subscribe(["contact.created"])

    patched = admin_api.patch(
        f"/api/webhooks/{subscription.pk}", {"is_active": False, "description": "CRM"}
    )
    assert patched.status_code == 200
    assert (patched.json()["is_active"], patched.json()["description"]) == (False, "CRM")
    assert admin_api.patch(f"/api/webhooks/{subscription.pk}", {"url": None}).status_code == 422
    assert admin_api.delete(f"/api/webhooks/{subscription.pk}").status_code == 204
    assert admin_api.get(f"/api/webhooks/{subscription.pk}").status_code == 404


def test_ping_log_and_resend(admin_api, subscribe, receiver):
    subscription = subscribe(["contact.created"])
    receiver.fail_next(500, body=b"boom")

    ping = admin_api.post(f"/api/webhooks/{subscription.pk}/ping")
    assert ping.status_code == 200
    assert (ping.json()["status"], ping.json()["last_status_code"]) == ("failed", 500)
    assert ping.json()["last_answer"] == "boom"

    failed = admin_api.get(f"/api/webhooks/{subscription.pk}/deliveries?status=failed").json()
    assert [item["id"] for item in failed["items"]] == [ping.json()["id"]]
    assert admin_api.get(f"/api/webhooks/{subscription.pk}/deliveries?status=x").status_code == 422

    resent = admin_api.post(
        f"/api/webhooks/{subscription.pk}/deliveries/{ping.json()['id']}/resend"
    )
    assert resent.status_code == 202
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert receiver.events() == ["ping", "ping"]
    one = admin_api.get(f"/api/webhooks/{subscription.pk}/deliveries/{delivery.pk}").json()
    assert one["payload"] == {"subscription_id": subscription.pk, "events": ["contact.created"]}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR])
def test_only_admins(api, make_user, subscribe, role):
    subscription = subscribe()
    client = api(make_user(role))

    assert client.get("/api/webhooks").status_code == 403
    assert client.post(f"/api/webhooks/{subscription.pk}/ping").status_code == 403
    assert (
        client.post("/api/webhooks", {"url": "https://x.example", "events": []}).status_code == 403
    )


def test_secret_shape(admin_api):
    body = {"url": "https://93.184.216.34/hook", "events": ["contact.created"], "secret": SECRET}
    assert admin_api.post("/api/webhooks", body).status_code == 201
    body["secret"] = "with space inside it"
    assert admin_api.post("/api/webhooks", body).json()["errors"]["secret"]


def test_subscriptions_made_changed_and_deleted_are_in_the_audit_trail(admin_api, admin, receiver):
    from ventanilla.core.models import AuditEntry

    created = admin_api.post(
        "/api/webhooks", {"url": f"{receiver.url}/hook", "events": ["message.sent"]}
    ).json()
    changed = admin_api.patch(f"/api/webhooks/{created['id']}", {"events": ["conversation.closed"]})
    assert changed.status_code == 200, changed.content
    assert admin_api.delete(f"/api/webhooks/{created['id']}").status_code == 204

    entries = AuditEntry.objects.filter(target_type="subscription").order_by("pk")
    assert [(e.action, e.actor_id, e.target_id) for e in entries] == [
        ("webhook.created", admin.pk, str(created["id"])),
        ("webhook.updated", admin.pk, str(created["id"])),
        ("webhook.deleted", admin.pk, str(created["id"])),
    ]
    assert all(created["secret"] not in str(entry.changes) for entry in entries)
