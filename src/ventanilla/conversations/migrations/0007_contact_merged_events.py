"""Merges get an audit kind of their own, `contact_merged`; the merges recorded before as
`contact_created` (those whose data names the contact merged from) are relabelled."""

from django.db import migrations, models


def relabel_merges(apps, schema_editor):
    events = apps.get_model("conversations", "ConversationEvent").objects
    events.filter(kind="contact_created", data__has_key="merged_from").update(kind="contact_merged")


def label_merges_as_before(apps, schema_editor):
    events = apps.get_model("conversations", "ConversationEvent").objects
    events.filter(kind="contact_merged").update(kind="contact_created")


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0006_duplicate_check_by_provider_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="conversationevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Conversación iniciada"),
                    ("contact_created", "Contacto nuevo"),
                    ("contact_merged", "Contactos unidos"),
                    ("assigned", "Asignada"),
                    ("queued", "En cola"),
                    ("transferred", "Transferida"),
                    ("closed", "Cerrada"),
                    ("reopened", "Reabierta"),
                    ("read", "Leída"),
                    ("send_failed", "Envío fallido"),
                    ("bot", "Bot"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(relabel_merges, label_merges_as_before),
    ]
