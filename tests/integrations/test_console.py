"""The Webhooks screen: admins list, create, edit, delete, ping, read the log and resend."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ventanilla.accounts.models import Role
from ventanilla.integrations import services
from ventanilla.integrations.models import Delivery, Subscription

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_list_shows_each_subscription_and_its_counts(admin_client, subscribe, receiver):
    subscription = subscribe(["conversation.closed"], description="CRM")
    receiver.fail_next(500)
    services.subscription_ping(subscription=subscription)

    body = admin_client.get("/webhooks/").content.decode()

    assert f"{receiver.url}/hook" in body
    assert "CRM" in body and "conversation.closed" in body
    assert "1 fallido" in body
    assert f'href="/webhooks/{subscription.pk}/deliveries/"' in body


def test_the_list_costs_the_same_queries_for_one_or_many(admin_client, subscribe):
    subscribe()
    admin_client.get("/webhooks/")
    with CaptureQueriesContext(connection) as one:
        admin_client.get("/webhooks/")
    for _ in range(4):
        subscribe()
    with CaptureQueriesContext(connection) as five:
        admin_client.get("/webhooks/")

    assert len(five.captured_queries) == len(one.captured_queries)


def test_create_shows_the_secret_then_edit_keeps_it(admin_client, receiver):
    created = admin_client.post(
        "/webhooks/new/",
        {"url": f"{receiver.url}/in", "events": ["contact.created"], "is_active": "on"},
    )
    subscription = Subscription.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/webhooks/{subscription.pk}/"
    page = admin_client.get(created["Location"]).content.decode()
    assert subscription.secret in page

    edited = admin_client.post(
        f"/webhooks/{subscription.pk}/",
        {"url": f"{receiver.url}/in", "events": ["contact.created", "contact.updated"]},
    )

    assert edited.status_code == 302
    changed = Subscription.objects.get()
    assert changed.events == ["contact.created", "contact.updated"]
    assert (changed.secret, changed.is_active) == (subscription.secret, False)


def test_invalid_input_is_shown_next_to_its_field(admin_client):
    answer = admin_client.post("/webhooks/new/", {"url": "nope", "events": []})

    assert answer.status_code == 422
    body = answer.content.decode()
    assert "Elegí al menos un evento." in body
    assert Subscription.objects.count() == 0


def test_ping_and_resend_from_the_log(admin_client, subscribe, receiver):
    subscription = subscribe(["contact.created"])

    pinged = admin_client.post(f"/webhooks/{subscription.pk}/ping/", follow=True)
    assert "Ping entregado: respondió 200." in pinged.content.decode()
    delivery = Delivery.objects.get()
    log = admin_client.get(f"/webhooks/{subscription.pk}/deliveries/").content.decode()
    assert f'id="delivery-{delivery.pk}"' in log

    resent = admin_client.post(
        f"/webhooks/{subscription.pk}/deliveries/{delivery.pk}/resend/", follow=True
    )

    assert f"Envío {delivery.pk} reenviado." in resent.content.decode()
    assert receiver.events() == ["ping", "ping"]
    failed_only = admin_client.get(f"/webhooks/{subscription.pk}/deliveries/?status=failed")
    assert f'id="delivery-{delivery.pk}"' not in failed_only.content.decode()


def test_delete_asks_then_deletes(admin_client, subscribe):
    subscription = subscribe()

    assert admin_client.get(f"/webhooks/{subscription.pk}/delete/").status_code == 200
    assert admin_client.post(f"/webhooks/{subscription.pk}/delete/").status_code == 302
    assert Subscription.objects.count() == 0
    assert admin_client.get(f"/webhooks/{subscription.pk}/").status_code == 404


def test_a_supervisor_is_refused(client, make_user, subscribe):
    subscription = subscribe()
    client.force_login(make_user(Role.SUPERVISOR))

    assert client.get("/webhooks/").status_code == 403
    assert client.post(f"/webhooks/{subscription.pk}/ping/").status_code == 403
