# The Zoom import models now live in attendance (see attendance.0001_initial): only the
# state is removed here; the tables were renamed there, with their rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ZoomImportRow"),
                migrations.DeleteModel(name="ZoomImport"),
            ],
            database_operations=[],
        ),
    ]
