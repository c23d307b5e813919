# ZoomImport and ZoomImportRow move from reports to attendance with their data (issue 16):
# the state is created here and removed from reports in reports.0002; the tables are
# renamed, and the content types follow so permissions stay attached.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor, old="reports", new="attendance"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("zoomimport", "zoomimportrow"):
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="attendance", new="reports")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_registration_code_failures"),
        ("reports", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ZoomImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sha256', models.CharField(max_length=64)),
                        ('filename', models.CharField(blank=True, max_length=255, verbose_name='file name')),
                        ('encoding', models.CharField(blank=True, max_length=20, verbose_name='encoding')),
                        ('line_count', models.PositiveIntegerField(default=0, verbose_name='lines')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='imported at')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='zoom_imports', to='events.event')),
                        ('imported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'Zoom report import',
                        'verbose_name_plural': 'Zoom report imports',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ZoomImportRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=300, verbose_name='name in Zoom')),
                        ('email', models.CharField(blank=True, max_length=254, verbose_name='email in Zoom')),
                        ('minutes', models.PositiveIntegerField(verbose_name='minutes')),
                        ('sessions', models.PositiveSmallIntegerField(default=1, verbose_name='times joined')),
                        ('first_joined_at', models.DateTimeField(blank=True, null=True, verbose_name='first joined')),
                        ('last_left_at', models.DateTimeField(blank=True, null=True, verbose_name='last left')),
                        ('guest', models.BooleanField(default=False, verbose_name='guest')),
                        ('state', models.CharField(choices=[('matched', 'Matched automatically'), ('unmatched', 'Needs review'), ('linked', 'Linked by an organizer'), ('dismissed', 'Dismissed')], max_length=20, verbose_name='state')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('registration', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='zoom_rows', to='events.registration', verbose_name='registration')),
                        ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('zoom_import', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='attendance.zoomimport')),
                    ],
                    options={
                        'verbose_name': 'Zoom report row',
                        'verbose_name_plural': 'Zoom report rows',
                        'ordering': ['name', 'id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='zoomimport',
                    constraint=models.UniqueConstraint(models.F('event'), models.F('sha256'), name='zoom_import_unique_file_per_event'),
                ),
                migrations.AddIndex(
                    model_name='zoomimportrow',
                    index=models.Index(fields=['zoom_import', 'state'], name='reports_zoo_zoom_im_f044bb_idx'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE reports_zoomimport RENAME TO attendance_zoomimport",
                    "ALTER TABLE attendance_zoomimport RENAME TO reports_zoomimport",
                ),
                migrations.RunSQL(
                    "ALTER TABLE reports_zoomimportrow RENAME TO attendance_zoomimportrow",
                    "ALTER TABLE attendance_zoomimportrow RENAME TO reports_zoomimportrow",
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
