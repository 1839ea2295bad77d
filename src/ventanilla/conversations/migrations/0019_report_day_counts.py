"""The reports under 300 ms (docs/adr/0041-reports-under-300-ms.md).

- `ReportDay` and `ReportDayCount`: the per-day counts of complete days stored per area,
  filled by the first report that reads a day (analytics.rollups), empty at first.
- The `closed_at` and `assigned_at` indexes of the conversations carry what the reports' duration
  rows read (PostgreSQL's `INCLUDE`; SQLite and MariaDB build the same one-column indexes as
  before, under the new names): each is dropped and built again, which on PostgreSQL blocks
  writes to the conversations while it builds (a few seconds at 100,000 conversations;
  docs/operations.md).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_area_response_targets"),
        ("contacts", "0002_sandbox_contacts"),
        ("conversations", "0018_message_search_vector"),
        ("providers", "0002_message_templates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateTimeField()),
                ("end", models.DateTimeField()),
                ("stale", models.BooleanField(default=False)),
            ],
        ),
        migrations.CreateModel(
            name="ReportDayCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("opened", models.PositiveIntegerField(default=0)),
                ("messages_in", models.PositiveIntegerField(default=0)),
                ("messages_out", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name="conversation",
            name="conversatio_closed__aad3e8_idx",
        ),
        migrations.RemoveIndex(
            model_name="conversation",
            name="conversatio_assigne_bd2b56_idx",
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["closed_at"],
                include=("status", "area", "assigned_to", "assigned_at", "created_at"),
                name="conversation_closed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["assigned_at"],
                include=("area", "assigned_to", "queued_at", "first_reply_since_assigned_at"),
                name="conversation_assigned_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportday",
            constraint=models.UniqueConstraint(fields=("start", "end"), name="one_report_day"),
        ),
        migrations.AddField(
            model_name="reportdaycount",
            name="area",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.area",
            ),
        ),
        migrations.AddField(
            model_name="reportdaycount",
            name="day",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="counts",
                to="conversations.reportday",
            ),
        ),
    ]
