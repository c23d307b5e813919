from django.db import migrations

from audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    # PostgreSQL refuses UPDATE and DELETE of audit rows (audit/triggers.py); SQLite: no-op.
    operations = [migrations.RunPython(install, uninstall, elidable=False)]
