"""Speakers in the order given, with a role; program rows relative to the event's start.

The two many-to-many tables stay where they are (their rows are kept): the through
models are declared on the existing tables in the state only, then gain their columns.
Program rows' clock times become minutes from the event's start, computed in Japan time.
"""

from datetime import datetime, timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def clock_to_offsets(apps, schema_editor):
    ProgramItem = apps.get_model("events", "ProgramItem")
    tz = timezone.get_default_timezone()
    for item in ProgramItem.objects.select_related("event").iterator():
        start = timezone.localtime(item.event.starts_at, tz)
        moment = datetime.combine(start.date(), item.starts_at, tzinfo=start.tzinfo)
        item.offset_minutes = int((moment - start).total_seconds() // 60)
        if item.ends_at is not None:
            end = datetime.combine(start.date(), item.ends_at, tzinfo=start.tzinfo)
            if end <= moment:
                end += timedelta(days=1)
            item.ends_offset_minutes = int((end - start).total_seconds() // 60)
        item.save(update_fields=["offset_minutes", "ends_offset_minutes"])


def offsets_to_clock(apps, schema_editor):
    ProgramItem = apps.get_model("events", "ProgramItem")
    tz = timezone.get_default_timezone()
    for item in ProgramItem.objects.select_related("event").iterator():
        start = timezone.localtime(item.event.starts_at, tz)
        item.starts_at = (start + timedelta(minutes=item.offset_minutes)).time()
        if item.ends_offset_minutes is not None:
            item.ends_at = (start + timedelta(minutes=item.ends_offset_minutes)).time()
        item.save(update_fields=["starts_at", "ends_at"])


def number_links(apps, schema_editor):
    """Existing links get the order they were shown in (by kana), so nothing jumps."""
    EventSpeaker = apps.get_model("events", "EventSpeaker")
    ProgramItemSpeaker = apps.get_model("events", "ProgramItemSpeaker")
    for model, owner in ((EventSpeaker, "event_id"), (ProgramItemSpeaker, "item_id")):
        order: dict[int, int] = {}
        for link in model.objects.order_by(owner, "speaker__name_kana", "speaker__name", "id"):
            key = getattr(link, owner)
            link.order = order.get(key, 0)
            order[key] = link.order + 1
            link.save(update_fields=["order"])


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_count_at_deadline_by_org"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EventSpeaker",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "event",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="speaker_links",
                                to="events.event",
                            ),
                        ),
                        (
                            "speaker",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="event_links",
                                to="events.speaker",
                            ),
                        ),
                    ],
                    options={"db_table": "events_event_speakers", "unique_together": {("event", "speaker")}},
                ),
                migrations.AlterField(
                    model_name="event",
                    name="speakers",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="events",
                        through="events.EventSpeaker",
                        to="events.speaker",
                        verbose_name="speakers",
                    ),
                ),
                migrations.CreateModel(
                    name="ProgramItemSpeaker",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "item",
                            models.ForeignKey(
                                db_column="programitem_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="speaker_links",
                                to="events.programitem",
                            ),
                        ),
                        (
                            "speaker",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="program_links",
                                to="events.speaker",
                            ),
                        ),
                    ],
                    options={"db_table": "events_programitem_speakers", "unique_together": {("item", "speaker")}},
                ),
                migrations.AlterField(
                    model_name="programitem",
                    name="speakers",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="program_items",
                        through="events.ProgramItemSpeaker",
                        to="events.speaker",
                        verbose_name="speakers",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="eventspeaker",
            name="order",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="order"),
        ),
        migrations.AddField(
            model_name="eventspeaker",
            name="role",
            field=models.CharField(
                choices=[("lecturer", "Lecturer"), ("commentator", "Commentator"), ("facilitator", "Facilitator")],
                default="lecturer",
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AddField(
            model_name="programitemspeaker",
            name="order",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="order"),
        ),
        migrations.RunPython(number_links, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="eventspeaker",
            options={
                "ordering": ["order", "id"],
                "verbose_name": "event speaker",
                "verbose_name_plural": "event speakers",
            },
        ),
        migrations.AlterModelOptions(
            name="programitemspeaker",
            options={
                "ordering": ["order", "id"],
                "verbose_name": "program item speaker",
                "verbose_name_plural": "program item speakers",
            },
        ),
        migrations.AddField(
            model_name="programitem",
            name="offset_minutes",
            field=models.IntegerField(default=0, verbose_name="minutes from the start"),
        ),
        migrations.AddField(
            model_name="programitem",
            name="ends_offset_minutes",
            field=models.IntegerField(blank=True, null=True, verbose_name="minutes from the start to its end"),
        ),
        migrations.RunPython(clock_to_offsets, offsets_to_clock),
        migrations.RemoveField(model_name="programitem", name="starts_at"),
        migrations.RemoveField(model_name="programitem", name="ends_at"),
        migrations.AlterField(
            model_name="programitem",
            name="title",
            field=models.TextField(max_length=1000, verbose_name="content"),
        ),
        migrations.AlterModelOptions(
            name="programitem",
            options={
                "ordering": ["order", "offset_minutes", "id"],
                "verbose_name": "program item",
                "verbose_name_plural": "program items",
            },
        ),
    ]
