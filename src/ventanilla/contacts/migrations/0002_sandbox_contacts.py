"""The sandbox line's customers become contacts of their own (ADR 0018): phone and user id are
unique per kind of contact, and the contacts that only ever wrote to a sandbox line are marked."""

from django.db import migrations, models


def mark_sandbox_contacts(apps, schema_editor):
    conversations = apps.get_model("conversations", "Conversation").objects
    on_sandbox = conversations.filter(line__provider="sandbox").values("contact_id")
    on_real_lines = conversations.exclude(line__provider="sandbox").values("contact_id")
    contacts = apps.get_model("contacts", "Contact").objects
    contacts.filter(pk__in=on_sandbox).exclude(pk__in=on_real_lines).update(sandbox=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("conversations", "0007_contact_merged_events"),
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="sandbox",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="contact",
            name="phone",
            field=models.CharField(blank=True, max_length=20, null=True),
        ),
        migrations.AlterField(
            model_name="contact",
            name="wa_user_id",
            field=models.CharField(blank=True, max_length=128, null=True),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                fields=("phone", "sandbox"), name="contact_phone_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                fields=("wa_user_id", "sandbox"), name="contact_wa_user_id_unique"
            ),
        ),
        migrations.RunPython(mark_sandbox_contacts, migrations.RunPython.noop),
    ]
