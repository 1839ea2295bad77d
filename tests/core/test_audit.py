"""The audit trail: an entry for each audited change, in the change's own transaction, never
changed afterwards, listed for admins, purged after AUDIT_RETENTION_DAYS."""

from datetime import timedelta

import pytest
from django.contrib import admin as django_admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import PASSWORD
from ventanilla.accounts import services as accounts
from ventanilla.accounts import tokens
from ventanilla.accounts.models import Role, User
from ventanilla.conversations import services as conversation_services
from ventanilla.core import audit, events
from ventanilla.core.models import AuditEntry
from ventanilla.flows import services as flows
from ventanilla.providers import services as lines
from ventanilla.schedules import services as schedules


def only(action: str) -> AuditEntry:
    (entry,) = AuditEntry.objects.filter(action=action)
    return entry


def test_a_user_change_through_the_api_names_who_what_and_from_where(api, admin, make_user):
    agent = make_user(Role.SUPPORT, username="sofia", name="Sofía")

    answer = api(admin).patch(
        f"/api/users/{agent.pk}",
        {"role": "SALES", "name": "Sofía P.", "password": "Otra-Clave-Larga-9"},
        REMOTE_ADDR="203.0.113.7",
    )

    assert answer.status_code == 200
    entry = only("user.updated")
    assert (entry.actor_id, entry.actor_name) == (admin.pk, "boss")
    assert entry.ip_address == "203.0.113.7"
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "user",
        str(agent.pk),
        "Sofía P.",
    )
    assert entry.changes == {
        "role": ["SUPPORT", "SALES"],
        "name": ["Sofía", "Sofía P."],
        "password": ["[redacted]", "[redacted]"],
    }
    assert "Otra-Clave" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_a_refused_change_leaves_no_entry(api, admin, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")

    answer = api(admin).patch(f"/api/users/{agent.pk}", {"role": "KING", "name": "X"})

    assert answer.status_code == 422
    assert not AuditEntry.objects.filter(action="user.updated").exists()


def test_the_entry_is_in_the_changes_transaction_a_failure_after_it_leaves_neither(
    make_user, monkeypatch
):
    agent = make_user(Role.SUPPORT, username="sofia", name="Sofía")

    def broken(*args, **kwargs):
        raise RuntimeError("after the entry, before the commit")

    monkeypatch.setattr(events, "notify_internal", broken)
    with pytest.raises(RuntimeError):
        accounts.user_update(user=agent, name="Otra")

    assert User.objects.get(pk=agent.pk).name == "Sofía"
    assert not AuditEntry.objects.filter(action="user.updated").exists()


def test_every_audited_change_writes_its_entry(make_user, make_area, admin, settings):
    area = make_area("Soporte")
    accounts.area_update(area=area, name="Soporte técnico")
    agent = make_user(Role.SUPPORT, areas=[area])
    new = tokens.token_create(user=agent, name="CRM")
    tokens.token_revoke(user_id=agent.pk, token_id=new.token.pk)
    flow = flows.flow_create(data={"name": "Corto", "root": {"type": "end", "text": "Hola"}})
    flows.flow_replace(flow=flow, data={"name": "Largo", "root": {"type": "end", "text": "Hola"}})
    flows.flow_delete(flow=flow)
    hour = schedules.working_hour_create(
        area_id=area.pk, days=[0, 1], start_time="09:00", end_time="18:00"
    )
    schedules.working_hour_update(working_hour=hour, end_time="17:00")
    schedules.working_hour_delete(working_hour=hour)
    schedules.auto_close_update(by=admin, minutes=45)
    conversation_services.follow_up_update(by=admin, reopen_hours=24)
    line = lines.line_create(provider="wppconnect", display_name="Ventas", wpp_secret_key="s3")
    lines.line_update(line=line, display_name="Ventas 2", wpp_secret_key="s4")

    recorded = set(AuditEntry.objects.values_list("action", flat=True))

    assert recorded >= {
        "area.created", "area.updated", "user.created", "token.created", "token.revoked",
        "flow.created", "flow.updated", "flow.deleted", "working_hour.created",
        "working_hour.updated", "working_hour.deleted", "settings.auto_close",
        "settings.follow_up", "line.created", "line.updated",
    }  # fmt: skip
    assert only("area.created").changes == {"name": [None, "Soporte"], "is_active": [None, True]}
    assert only("area.updated").changes == {"name": ["Soporte", "Soporte técnico"]}
    assert only("flow.updated").changes["name"] == ["Corto", "Largo"]
    assert only("working_hour.updated").changes == {"end_time": ["18:00:00", "17:00:00"]}
    assert only("settings.auto_close").actor_name == "boss"
    assert only("settings.follow_up").changes == {"reopen_hours": [None, 24]}
    assert only("line.updated").changes == {
        "display_name": ["Ventas", "Ventas 2"],
        "wpp_secret_key": ["[redacted]", "[redacted]"],
    }
    assert only("line.updated").actor_id is None  # no request: the system


def test_sign_ins_are_recorded_success_and_failure(api, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    client = api()

    client.post("/api/auth/login", {"username": "sofia", "password": "nope"})
    client.post("/api/auth/login", {"username": "nobody", "password": "nope"})
    client.post("/api/auth/login", {"username": "sofia", "password": PASSWORD})
    client.csrf_token = client.http.get("/api/auth/csrf").json()["csrf_token"]  # a new session's
    assert client.post("/api/auth/logout").status_code == 204

    failed = list(AuditEntry.objects.filter(action="signin.failed").order_by("id"))
    assert [(e.target_id, e.target_label, e.actor_id) for e in failed] == [
        (str(agent.pk), "sofia", None),
        ("", "nobody", None),
    ]
    assert only("signin.succeeded").actor_id == agent.pk
    assert only("signin.succeeded").ip_address == "127.0.0.1"
    assert only("signout").actor_id == agent.pk


def test_the_console_sign_in_is_recorded(client, make_user):
    make_user(Role.SUPPORT, username="sofia")

    client.post("/login/", {"identifier": "sofia", "password": "nope"})
    client.post("/login/", {"identifier": "sofia", "password": PASSWORD})

    assert only("signin.failed").target_label == "sofia"
    assert only("signin.succeeded").actor_name == "sofia"


def test_a_change_made_with_a_token_names_the_token(admin, db):
    new = tokens.token_create(user=admin, name="ERP", scope="write")

    Client().post(
        "/api/areas",
        {"name": "Ventas"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {new.secret}",
    )

    entry = only("area.created")
    assert (entry.actor_id, entry.token_id) == (admin.pk, new.token.pk)


def test_entries_are_never_changed_or_deleted(admin):
    entry = audit.record("user.updated", target_type="user", target_id=admin.pk)

    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    model_admin = django_admin.site._registry[AuditEntry]
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_change_permission(None, entry)
    assert not model_admin.has_delete_permission(None, entry)
    assert AuditEntry.objects.get(pk=entry.pk).action == "user.updated"


def test_an_unknown_action_is_a_programming_error(db):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record("user.renamed", target_type="user")


def test_the_purge_keeps_the_configured_number_of_days(settings, admin):
    settings.AUDIT_RETENTION_DAYS = 30
    old = audit.record("signout", target_type="user", target_id=admin.pk)
    recent = audit.record("signout", target_type="user", target_id=admin.pk)
    with connection.cursor() as cursor:  # the first one made 31 days old, behind the model's back
        table = AuditEntry._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=31), old.pk],
        )

    assert audit.purge() == 1
    assert list(AuditEntry.objects.filter(action="signout").values_list("pk", flat=True)) == [
        recent.pk
    ]


def test_admins_list_the_trail_with_filters_through_the_api(api, admin, make_user):
    agent = make_user(Role.SUPPORT, username="sofia")
    accounts.user_update(user=agent, name="S")
    api(admin).post("/api/areas", {"name": "Ventas"})

    every = api(admin).get("/api/audit").json()["items"]
    users = api(admin).get("/api/audit?action=user.").json()["items"]
    by_admin = api(admin).get(f"/api/audit?actor_id={admin.pk}").json()["items"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    later = api(admin).get(f"/api/audit?since={tomorrow}T00:00:00").json()["items"]
    refused = api(agent).get("/api/audit")

    assert [item["action"] for item in every][:2] == ["area.created", "user.updated"]
    assert {item["action"] for item in users} == {"user.created", "user.updated"}
    assert [item["action"] for item in by_admin] == ["area.created"]
    assert by_admin[0]["ip_address"] == "127.0.0.1"
    assert later == []
    assert refused.status_code == 403


def test_the_audit_screen_lists_and_filters(admin_client, make_user, admin):
    agent = make_user(Role.SUPPORT, username="sofia")
    accounts.user_update(user=agent, name="Sofía Pérez")
    admin_client.post("/areas/new/", {"name": "Cobranzas", "description": "", "is_active": "on"})

    users = admin_client.get("/users/").content.decode()
    page = admin_client.get("/audit/").content.decode()
    narrowed = admin_client.get("/audit/?action=area.created").content.decode()
    by_actor = admin_client.get(f"/audit/?actor_id={admin.pk}").content.decode()

    assert 'href="/audit/"' in users
    assert "Usuario cambiado" in page and "Sofía Pérez" in page and "Cobranzas" in page
    assert "Cobranzas" in narrowed and "Sofía Pérez" not in narrowed
    assert "Cobranzas" in by_actor and "Sofía Pérez" not in by_actor


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call().status_code == 200
    return len(captured.captured_queries)


def test_the_trail_costs_the_same_queries_for_few_entries_as_for_many(admin_client, admin, api):
    client = api(admin)
    for number in range(3):
        audit.record("signout", target_type="user", target_id=number)
    few = (
        _queries(lambda: admin_client.get("/audit/")),
        _queries(lambda: client.get("/api/audit")),
    )
    for number in range(40):
        audit.record("signout", target_type="user", target_id=number)
    many = (
        _queries(lambda: admin_client.get("/audit/")),
        _queries(lambda: client.get("/api/audit")),
    )

    assert few == many
    assert many[1] <= 4  # session, user, the page (one query)
