"""The messages' unique (line, provider id) becomes (provider id, line): the duplicate check of a
batch looks its ids up with `IN`, which only a leading column serves whatever the planner's
statistics say (ADR 0016). The new constraint is built before the old one goes, so there is
never a moment without one (and MariaDB's foreign key on the line keeps an index meanwhile).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0005_fewer_indexes_on_hot_rows"),
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                fields=("provider_id", "line"), name="message_once_per_provider_id"
            ),
        ),
        migrations.RemoveConstraint(model_name="message", name="message_once_per_line"),
    ]
