"""The reviewer's dashboard, each municipality's engagement page, the event drill-down,
the fiscal-year XLSX and the engagement editor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.models import Organization
from audit import services as audit
from core import pdf
from core.dates import format_fiscal_year
from core.exports import xlsx_response
from events.models import Event
from reports import access, exports, selectors, services
from reports.forms import ActivityFormSet, EngagementForm, GoalFormSet
from reports.models import Engagement

MIN_YEAR, MAX_YEAR = 2000, 2100
EVENTS_PER_PAGE = 100


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


def _pdf(request, template: str, context: dict, filename: str) -> HttpResponse:
    response = pdf.pdf_response(request, template, context, filename)
    if response is None:
        raise Http404(_("PDF output is not available on this server; use the browser's print."))
    return response


@login_required
def dashboard(request):
    if not access.can_see_dashboard(request.user):
        raise PermissionDenied
    year = _year(request.GET["year"]) if request.GET.get("year") else selectors.default_year()
    board = selectors.dashboard(request.user, year=year)
    years = selectors.available_years()
    if year not in years:
        years = sorted([*years, year], reverse=True)
    # The events table is paged: a year may hold a thousand events; the figures above
    # it always cover the whole year.
    events_page = Paginator(board.events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "events_page": events_page,
            "year": year,
            "years": years,
            "charts": selectors.chart_data(board),
            "scale": selectors.SCALE,
        },
    )


@login_required
def municipality(request, year: int, org_id: int):
    year = _year(year)
    organization = get_object_or_404(Organization, pk=org_id)
    if not access.can_read_engagement(request.user, organization.pk):
        raise PermissionDenied
    page = selectors.municipality_page(organization=organization, year=year)
    context = {
        "page": page,
        "year": year,
        "organization": organization,
        "can_edit": access.can_write_engagement(request.user, organization.pk),
        "pdf_available": pdf.available(),
    }
    if request.GET.get("format") == "pdf":
        return _pdf(
            request, "reports/municipality_pdf.html", context, f"engagement-{year}-{organization.pk}.pdf"
        )
    return render(request, "reports/municipality.html", context)


@login_required
def engagement_edit(request, year: int, org_id: int):
    year = _year(year)
    organization = get_object_or_404(Organization, pk=org_id)
    if not access.can_write_engagement(request.user, organization.pk):
        raise PermissionDenied
    engagement = Engagement.objects.filter(organization=organization, fiscal_year=year).first()
    series_choices, event_choices = _activity_choices(organization, year, engagement)
    kwargs = {"series_choices": series_choices, "event_choices": event_choices}
    if request.method == "POST":
        form = EngagementForm(request.POST, instance=engagement)
        goals = GoalFormSet(request.POST, prefix="goals")
        activities = ActivityFormSet(request.POST, prefix="activities", form_kwargs=kwargs)
        if form.is_valid() and goals.is_valid() and activities.is_valid():
            services.save_engagement(
                by=request.user,
                organization=organization,
                fiscal_year=year,
                fields=form.cleaned_data,
                goals=[g for g in goals.cleaned_data if g],
                activities=[
                    {
                        **a,
                        "series": [int(x) for x in a.get("series", [])],
                        "events": [int(x) for x in a.get("events", [])],
                    }
                    for a in activities.cleaned_data
                    if a
                ],
            )
            messages.success(request, _("The engagement record was saved."))
            return redirect("reports:municipality", year, organization.pk)
        status = 400
    else:
        form = EngagementForm(instance=engagement)
        goal_initial = (
            [{"text": g.text, "outcome": g.outcome} for g in engagement.goals.all()] if engagement else []
        )
        activity_initial = (
            [
                {
                    "title": a.title,
                    "series": [str(s.pk) for s in a.series.all()],
                    "events": [str(e.pk) for e in a.events.all()],
                }
                for a in engagement.activities.prefetch_related("series", "events")
            ]
            if engagement
            else []
        )
        goals = GoalFormSet(prefix="goals", initial=goal_initial)
        activities = ActivityFormSet(prefix="activities", initial=activity_initial, form_kwargs=kwargs)
        status = 200
    return render(
        request,
        "reports/engagement_form.html",
        {
            "organization": organization,
            "year": year,
            "form": form,
            "goals": goals,
            "activities": activities,
        },
        status=status,
    )


def _activity_choices(organization: Organization, year: int, engagement):
    """Series and events of this municipality in the year, plus anything already linked."""
    page = selectors.municipality_page(organization=organization, year=year)
    rows = [*page.other_events, *(r for block in page.activities for r in block.events)]
    events = {r.event.pk: r.event for r in rows}
    series = {e.series_id: e.series for e in events.values() if e.series_id}
    if engagement:
        for activity in engagement.activities.prefetch_related("series", "events"):
            series.update({s.pk: s for s in activity.series.all()})
            events.update({e.pk: e for e in activity.events.all()})
    series_choices = [(str(pk), s.title) for pk, s in sorted(series.items(), key=lambda kv: kv[1].title)]
    event_choices = [
        (str(e.pk), f"{e.display_title}（{e.starts_at:%Y-%m-%d}）")
        for e in sorted(events.values(), key=lambda e: (e.starts_at, e.pk))
    ]
    return series_choices, event_choices


@login_required
def event_detail(request, pk: int):
    event = get_object_or_404(
        Event.objects.select_related("series").prefetch_related(
            "hosts",
            "speakers",
            "participating_organizations__organization",
            "program_items__speakers",
        ),
        pk=pk,
    )
    if not access.can_see_event_figures(request.user, event):
        raise PermissionDenied
    row = selectors.event_rows([event])[0]
    return render(
        request,
        "reports/event.html",
        {
            "event": event,
            "row": row,
            "row_list": [row],
            "figures": row.figures,
            "scale": selectors.SCALE,
            "year": selectors.fiscal_year_of(event.starts_at),
            "charts": {
                "labels": [str(p) for p in selectors.SCALE],
                "series": [{"label": event.display_title, "data": row.figures.satisfaction_list}],
                "text": {
                    "satisfaction": _("Satisfaction (1 = dissatisfied, 5 = satisfied)"),
                    "people": _("People"),
                },
            },
        },
    )


@login_required
def export(request, year: int):
    year = _year(year)
    if not access.can_see_dashboard(request.user):
        raise PermissionDenied
    board = selectors.dashboard(request.user, year=year)
    label = format_fiscal_year(year).split("（")[0]
    audit.record(
        actor=request.user, action="export.fiscal_year_report", details={"year": year, "format": "xlsx"}
    )
    return xlsx_response(
        _("Tsunagu report %(year)s.xlsx") % {"year": label}, exports.fiscal_year_sheets(request.user, board)
    )
