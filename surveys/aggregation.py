"""Store a form's results for one session (surveys.Summary): counted by surveys/tally.py,
through surveys/anonymity.py for an anonymous form. The results page only reads it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from events.models import Event
from surveys import anonymity
from surveys.models import Form, Summary
from surveys.tally import compute

__all__ = ["aggregate_now", "compute"]


def aggregate_now(form: Form, event: Event | int) -> Summary:
    """Recompute and store; running it twice stores the same thing (idempotent).

    Only released responses count (surveys.anonymity), so recomputing an anonymous
    form's summary never shows a response before its batch is released."""
    event_id = event if isinstance(event, int) else event.pk
    if form.anonymous:
        return anonymity.summarize(form, event_id)
    data = compute(form, event_id)
    with transaction.atomic():
        summary, _created = Summary.objects.update_or_create(
            form=form,
            event_id=event_id,
            defaults={"data": data, "responses": data["responses"], "computed_at": timezone.now()},
        )
    return summary
