"""Writing an engagement record: the one thing in reports that writes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import Organization, User
from events.models import Event, EventSeries
from reports import access
from reports.models import Activity, Engagement, Goal

FIELDS = ("department", "trigger", "history", "awareness", "vision", "other_outcomes", "challenges")


def save_engagement(
    *,
    by: User,
    organization: Organization,
    fiscal_year: int,
    fields: dict,
    goals: list[dict],
    activities: list[dict],
) -> Engagement:
    """Replace the year's record in one transaction: the page is edited as a whole.

    goals: [{"text", "outcome"}]; activities: [{"title", "series": [ids], "events": [ids]}].
    """
    if not access.can_write_engagement(by, organization.pk):
        raise PermissionDenied
    with transaction.atomic():
        engagement, _created = Engagement.objects.select_for_update().get_or_create(
            organization=organization, fiscal_year=fiscal_year
        )
        for name in FIELDS:
            setattr(engagement, name, (fields.get(name) or "").strip())
        engagement.updated_by = by
        engagement.save()
        engagement.goals.all().delete()
        Goal.objects.bulk_create(
            Goal(
                engagement=engagement,
                order=i,
                text=g["text"].strip(),
                outcome=(g.get("outcome") or "").strip(),
            )
            for i, g in enumerate(g for g in goals if (g.get("text") or "").strip())
        )
        engagement.activities.all().delete()
        for i, a in enumerate(a for a in activities if (a.get("title") or "").strip()):
            activity = Activity.objects.create(engagement=engagement, order=i, title=a["title"].strip())
            activity.series.set(EventSeries.objects.filter(pk__in=a.get("series") or []))
            activity.events.set(Event.objects.filter(pk__in=a.get("events") or []))
        return engagement
