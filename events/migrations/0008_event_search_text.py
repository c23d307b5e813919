"""The keyword search's folded text, filled for existing events, with a trigram index on
PostgreSQL so LIKE '%…%' does not read every row (SQLite runs the same query unindexed)."""

import unicodedata

import jaconv
from django.db import migrations, models


def fold(text: str) -> str:
    return "".join(jaconv.hira2kata(unicodedata.normalize("NFKC", text or "").strip().lower()).split())


def fill(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    EventSpeaker = apps.get_model("events", "EventSpeaker")
    for event in Event.objects.select_related("series").iterator():
        parts = [event.title, event.description, event.venue_name, event.venue_address, event.audience]
        if event.series_id:
            parts += [event.series.title, event.series.description]
        for name, affiliation in EventSpeaker.objects.filter(event_id=event.pk).values_list(
            "speaker__name", "speaker__affiliation"
        ):
            parts += [name, affiliation]
        Event.objects.filter(pk=event.pk).update(search_text=fold(" ".join(p for p in parts if p)))


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS events_event_search_trgm ON events_event USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS events_event_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0007_ordered_speakers_and_relative_program"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
