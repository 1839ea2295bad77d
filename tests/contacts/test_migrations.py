"""Data migrations of contacts, run forwards and backwards on a real database."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("contacts", "0001_initial"), ("conversations", "0007_contact_merged_events")]
AFTER = [("contacts", "0002_sandbox_contacts"), ("conversations", "0007_contact_merged_events")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_contacts_that_only_wrote_to_sandbox_lines_become_sandbox_contacts():
    apps = _migrate(BEFORE)
    try:
        lines = apps.get_model("providers", "Line").objects
        contacts = apps.get_model("contacts", "Contact").objects
        conversations = apps.get_model("conversations", "Conversation").objects
        sandbox = lines.create(provider="sandbox", display_name="Sandbox")
        cloud = lines.create(provider="cloud", display_name="Cloud")
        names = ["only sandbox", "both", "only real", "no conversation"]
        made = {
            name: contacts.create(name=name, phone=f"+549351555000{i}")
            for i, name in enumerate(names)
        }
        now = timezone.now()
        for name, line in [
            ("only sandbox", sandbox),
            ("only sandbox", sandbox),
            ("both", sandbox),
            ("both", cloud),
            ("only real", cloud),
        ]:
            conversations.create(
                line=line, contact=made[name], status="closed", last_activity_at=now, created_at=now
            )

        apps = _migrate(AFTER)

        contacts = apps.get_model("contacts", "Contact").objects
        assert dict(contacts.values_list("name", "sandbox")) == {
            "only sandbox": True,
            "both": False,
            "only real": False,
            "no conversation": False,
        }
        # and the same number may now be one real and one sandbox contact, but not two of a kind
        contacts.create(name="real twin", phone="+5493515550000", sandbox=False)
        assert contacts.filter(phone="+5493515550000").count() == 2
        with pytest.raises(IntegrityError), transaction.atomic():
            contacts.create(name="sandbox twin", phone="+5493515550000", sandbox=True)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
