"""Tags for the panels the event pages include (a fixed number of queries each)."""

from __future__ import annotations

from django import template
from django.db.models import Count, Q

from events.models import Event, Registration
from surveys.models import Form, Respondent, Submission

register = template.Library()


def _forms(event: Event) -> list[Form]:
    condition = Q(event=event)
    if event.series_id:
        condition |= Q(series_id=event.series_id)
    return list(Form.objects.filter(condition).order_by("kind", "id"))


@register.simple_tag
def participant_forms(event: Event, registration: Registration | None, user) -> list[dict]:
    """The event's forms with this person's status; empty unless their registration is confirmed."""
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        return []
    forms = _forms(event)
    if not forms:
        return []
    organization = registration.organization.root() if registration.organization_id else None
    mine = Q(user=user)
    if organization is not None:
        mine |= Q(organization=organization)
    per_org = {f.pk for f in forms if f.per_organization}
    submissions = {}
    for s in Submission.objects.filter(form__in=forms, event=event).filter(mine):
        # A sheet per municipality is found by organization, any other form by person.
        if (s.form_id in per_org) == (s.organization_id is not None):
            submissions[s.form_id] = s
    answered = set(
        Respondent.objects.filter(form__in=forms, event=event, user=user).values_list("form_id", flat=True)
    )
    rows = []
    for form in forms:
        submission = submissions.get(form.pk)
        if form.anonymous:
            status = "submitted" if form.pk in answered else "none"
        else:
            status = submission.status if submission else "none"
        rows.append(
            {
                "form": form,
                "status": status,
                "window": form.window_state(event),
                "opens_at": form.opens_for(event),
                "closes_at": form.closes_for(event),
                "fill_url": form.url_for("fill", event),
                "sent_url": form.url_for("sent", event),
            }
        )
    return rows


@register.simple_tag
def organizer_forms(event: Event) -> list[dict]:
    forms = _forms(event)
    if not forms:
        return []
    counts = {
        row["form_id"]: row
        for row in Submission.objects.filter(form__in=forms, event=event)
        .values("form_id")
        .annotate(
            submitted=Count("id", filter=Q(status=Submission.Status.SUBMITTED)),
            drafts=Count("id", filter=Q(status=Submission.Status.DRAFT)),
        )
        .order_by()
    }
    confirmed = Registration.objects.confirmed().filter(event=event).count()
    rows = []
    for form in forms:
        c = counts.get(form.pk, {})
        rows.append(
            {
                "form": form,
                "submitted": c.get("submitted", 0),
                "drafts": c.get("drafts", 0),
                "confirmed": confirmed,
                "window": form.window_state(event),
                "closes_at": form.closes_for(event),
                "status_url": form.url_for("status", event),
                "results_url": form.url_for("results", event),
                "xlsx_url": form.url_for("export_xlsx", event),
                "csv_url": form.url_for("export_csv", event),
                "files_url": form.url_for("export_files", event),
            }
        )
    return rows
