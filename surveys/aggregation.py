"""Store a form's results for one session (surveys.Summary): counted by surveys/tally.py,
an anonymous form's by surveys/anonymity.py (release_due). The results page only reads it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from events.models import Event
from surveys.models import Form, Summary
from surveys.tally import compute

__all__ = ["aggregate_now", "compute"]


def aggregate_now(form: Form, event: Event | int) -> Summary:
    """Recompute and store; running it twice stores the same thing (idempotent).

    Only released responses count (Submission.in_results), so even a recompute could not
    show an anonymous response before its batch is released."""
    event_id = event if isinstance(event, int) else event.pk
    if form.anonymous:
        # Its summary keeps a frozen breakdown and follows the release rules: only
        # surveys.anonymity.release_due writes it.
        raise ValueError("An anonymous form's summary is written by surveys.anonymity.release_due.")
    data = compute(form, event_id)
    with transaction.atomic():
        summary, _created = Summary.objects.update_or_create(
            form=form,
            event_id=event_id,
            defaults={"data": data, "responses": data["responses"], "computed_at": timezone.now()},
        )
    return summary
