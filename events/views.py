from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Organization
from audit import services as audit
from core.dates import format_datetime
from core.exports import csv_response, xlsx_response
from events import bulk_registration, eligibility, selectors, services
from events import hosts as host_rules
from events.forms import (
    BulkRegisterForm,
    CancelEventForm,
    DeclineForm,
    EventFilterForm,
    EventForm,
    EventSeriesForm,
    NextSessionForm,
    ProgramFormSet,
    RegistrationFilterForm,
    SpeakerForm,
)
from events.models import Event, EventSeries, Registration, TransitionError
from events.permissions import (
    can_manage_event,
    event_manager_required,
    event_reader_required,
)


def _organizer_orgs(user):
    if permissions.is_staff(user):
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=permissions.organizer_org_ids(user))


# --- participants ------------------------------------------------------------------------


def home(request):
    """The site's front page: the next sessions open to everyone."""
    return render(request, "home.html", {"upcoming": selectors.upcoming_events(limit=6)})


def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    past = request.GET.get("past") == "1"
    qs = selectors.public_events(
        kind=filters.get("kind"),
        mode=filters.get("mode"),
        month=filters.get("month"),
        host=filters.get("host"),
        include_past=past,
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    page.object_list = selectors.with_counts(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/list.html",
        {"form": form, "page": page, "past": past, "query": query.urlencode()},
    )


def event_detail(request, pk):
    try:
        event = selectors.event_for_page(pk)
    except Event.DoesNotExist:
        raise Http404 from None
    user = request.user
    if event.status == Event.Status.DRAFT and not (user.is_authenticated and can_manage_event(user, event)):
        raise Http404
    registration = None
    if user.is_authenticated:
        registration = (
            Registration.objects.filter(event=event, user=user)
            .exclude(status=Registration.Status.CANCELLED)
            .order_by("-created_at")
            .first()
        )
    can_manage = user.is_authenticated and can_manage_event(user, event)
    not_eligible = ""
    if user.is_authenticated and registration is None and not eligibility.is_eligible(event, user):
        not_eligible = eligibility.refusal(event)
    show_join = can_manage or (
        registration is not None and registration.status == Registration.Status.CONFIRMED
    )
    context = {
        "event": event,
        "registration": registration,
        "position": registration.waitlist_position() if registration else None,
        "can_manage": can_manage,
        "show_join": show_join,
        "window": event.registration_window_state(),
        "seats_left": services.seats_left(event),
        "count_at_deadline": services.registration_count_as_of_deadline(event),
        "deadline_passed": bool(
            event.registration_closes_at and event.registration_closes_at <= timezone.now()
        ),
        "program": list(event.program_items.all()),
        "who_for": eligibility.describe(event),
        "not_eligible": not_eligible,
    }
    return render(request, "events/detail.html", context)


@require_POST
@login_required
def register(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        registration = services.register(event, request.user)
    except services.RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            {
                Registration.Status.CONFIRMED: _(
                    "Your registration is confirmed. The invitation is on its way to your mailbox."
                ),
                Registration.Status.WAITLISTED: _(
                    "The event is full; you are on the waitlist. We will write to you if a seat frees up."
                ),
                Registration.Status.REQUESTED: _("Your request was sent. The organizer will confirm it."),
            }[registration.status],
        )
    return redirect(event.get_absolute_url())


@login_required
def cancel_own(request, pk):
    """A page of its own asks first; the POST from that page cancels."""
    event = get_object_or_404(Event, pk=pk)
    registration = Registration.objects.active().filter(event=event, user=request.user).first()
    if request.method != "POST" or "confirm" not in request.POST:
        return render(request, "events/cancel_own.html", {"event": event, "registration": registration})
    if registration is None:
        messages.error(request, _("You have no registration to cancel for this event."))
    else:
        try:
            services.cancel_registration(registration, by=request.user)
            messages.success(request, _("Your registration was cancelled."))
        except services.RegistrationError as error:
            messages.error(request, str(error))
    return redirect(event.get_absolute_url())


@login_required
def my_events(request):
    return render(request, "events/mine.html", selectors.my_registrations(request.user))


def series_detail(request, pk):
    series = get_object_or_404(EventSeries.objects.prefetch_related("hosts"), pk=pk)
    events = selectors.with_counts(
        selectors.public_events(include_past=True).filter(series=series).order_by("number", "starts_at")
    )
    return render(request, "events/series_detail.html", {"series": series, "events": events})


# --- organizers ----------------------------------------------------------------------------


@login_required
def manage(request):
    if not permissions.is_organizer(request.user):
        raise PermissionDenied
    page = Paginator(selectors.managed_events(request.user), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.with_counts(page.object_list)
    series = EventSeries.objects.filter(hosts__in=_organizer_orgs(request.user)).distinct()
    return render(request, "events/manage/list.html", {"page": page, "series_list": series})


@login_required
def series_edit(request, pk=None):
    if not permissions.is_organizer(request.user):
        raise PermissionDenied
    series = None
    if pk:
        series = get_object_or_404(EventSeries, pk=pk)
        if not permissions.can_manage_for(request.user, series.hosts.values_list("pk", flat=True)):
            raise PermissionDenied
    form = EventSeriesForm(
        request.POST or None,
        instance=series,
        organizations=_organizer_orgs(request.user),
        editor=request.user,
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            current = list(series.hosts.all()) if series else []
            obj = form.save(commit=False)
            obj.created_by = obj.created_by or request.user
            obj.save()
            # Co-hosts the editor does not run events for stay (the form never offered them).
            obj.hosts.set(
                host_rules.merge(current=current, submitted=form.cleaned_data["hosts"], by=request.user)
            )
        messages.success(request, _("The series was saved. Now add its first session."))
        return redirect(f"{reverse('events:event_create')}?series={obj.pk}")
    return render(request, "events/manage/series_form.html", {"form": form, "series": series})


_NOT_EVENT_FIELDS = ("hosts", "speakers", "invited_organizations", "invited_emails")


def _event_data(form: EventForm) -> dict:
    data = {k: v for k, v in form.cleaned_data.items() if k not in _NOT_EVENT_FIELDS}
    return data


def _save_invitees(form: EventForm, event: Event, user) -> None:
    eligibility.set_invitees(
        event,
        by=user,
        organizations=form.cleaned_data.get("invited_organizations") or (),
        emails=form.cleaned_data.get("invited_emails") or (),
    )


@login_required
def event_create(request):
    if not permissions.is_organizer(request.user):
        raise PermissionDenied
    orgs = _organizer_orgs(request.user)
    initial = {}
    series_id = request.GET.get("series")
    if series_id and series_id.isdigit():
        series = EventSeries.objects.filter(pk=series_id, hosts__in=orgs).first()
        if series:
            initial = {
                "series": series,
                "title": series.title,
                "audience": series.audience,
                "number": services.next_session_number(series.pk),
                "hosts": list(series.hosts.all()),
            }
    form = EventForm(request.POST or None, organizations=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(
            by=request.user,
            data=_event_data(form),
            hosts=form.cleaned_data["hosts"],
            speakers=form.cleaned_data.get("speakers") or (),
        )
        _save_invitees(form, event, request.user)
        messages.success(request, _("The event was created as a draft. Add its program, then publish it."))
        return redirect("events:program", pk=event.pk)
    return render(request, "events/manage/event_form.html", {"form": form, "event": None})


@event_manager_required
def event_edit(request, event):
    form = EventForm(
        request.POST or None, instance=event, organizations=_organizer_orgs(request.user), editor=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = _event_data(form)
        fresh = Event.objects.get(pk=event.pk)  # the form wrote its values onto `event`
        changes = services.update_event(
            fresh,
            by=request.user,
            data=data,
            hosts=form.cleaned_data["hosts"],
            speakers=form.cleaned_data.get("speakers"),
        )
        _save_invitees(form, fresh, request.user)
        if any(f in Event.REVISION_FIELDS for f in changes) and fresh.status == Event.Status.PUBLISHED:
            messages.success(request, _("Saved. Registrants will receive the updated invitation."))
        else:
            messages.success(request, _("Saved."))
        return redirect(fresh.get_manage_url())
    return render(request, "events/manage/event_form.html", {"form": form, "event": event})


@event_reader_required
def manage_event(request, event):
    event = selectors.event_for_page(event.pk)
    counts = dict.fromkeys(Registration.Status.values, 0)
    counts.update(
        Registration.objects.filter(event=event).values_list("status").annotate(n=Count("id")).order_by()
    )
    return render(
        request,
        "events/manage/event.html",
        {
            "event": event,
            "counts": counts,
            "can_manage": request.can_manage,
            "count_at_deadline": services.registration_count_as_of_deadline(event),
            "cancel_form": CancelEventForm(),
            "next_form": NextSessionForm(),
        },
    )


@event_manager_required
def program(request, event):
    formset = ProgramFormSet(request.POST or None, instance=event, prefix="program")
    speaker_form = SpeakerForm(prefix="speaker")
    if request.method == "POST" and "add_speaker" in request.POST:
        speaker_form = SpeakerForm(request.POST, prefix="speaker")
        formset = ProgramFormSet(instance=event, prefix="program")
        if speaker_form.is_valid():
            speaker = speaker_form.save()
            event.speakers.add(speaker)
            messages.success(request, _("Speaker %(name)s was added.") % {"name": speaker.name})
            return redirect("events:program", pk=event.pk)
    elif request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            formset.save()
        messages.success(request, _("The program was saved."))
        return redirect("events:program", pk=event.pk)
    return render(
        request,
        "events/manage/program.html",
        {"event": event, "formset": formset, "speaker_form": speaker_form},
    )


@require_POST
@event_manager_required
def publish(request, event):
    try:
        services.publish_event(event, by=request.user)
        messages.success(request, _("The event is published and open for registration."))
    except TransitionError as error:
        messages.error(request, str(error))
    return redirect(event.get_manage_url())


@event_manager_required
def cancel_event(request, event):
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_event(event, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The event was cancelled. Every registrant will be notified."))
            return redirect(event.get_manage_url())
        except TransitionError as error:
            form.add_error("reason", str(error))
    return render(request, "events/manage/cancel.html", {"event": event, "form": form})


@event_manager_required
def next_session(request, event):
    form = NextSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        copy = services.copy_as_next_session(
            event,
            by=request.user,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
        )
        messages.success(
            request,
            _("%(title)s was created as a draft with the same program.") % {"title": copy.display_title},
        )
        return redirect("events:event_edit", pk=copy.pk)
    return render(request, "events/manage/next.html", {"event": event, "form": form})


@event_reader_required
def registrations(request, event):
    form = RegistrationFilterForm(request.GET or None, event=event)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = list(
        selectors.event_registrations(
            event, status=filters.get("status"), organization=filters.get("organization")
        )
    )
    queue = Registration.objects.waitlisted().filter(event=event).values_list("id", flat=True)
    positions = {pk: place for place, pk in enumerate(queue, start=1)}
    for row in rows:
        row.position = positions.get(row.pk)
    return render(
        request,
        "events/manage/registrations.html",
        {
            "event": event,
            "form": form,
            "rows": rows,
            "can_manage": request.can_manage,
            "query": request.GET.urlencode(),
        },
    )


_ACTIONS = {
    "approve": services.approve,
    "decline": services.decline,
    "promote": services.promote,
    "waitlist": services.waitlist,
}


# Undoable only by hand and felt by the person: asked on a page of their own (no JavaScript).
_CONFIRMED_ACTIONS = ("cancel", "decline")


@event_manager_required
def registration_action(request, event, registration_id, action):
    registration = get_object_or_404(
        Registration.objects.select_related("user", "organization"), pk=registration_id, event=event
    )
    if action not in _ACTIONS and action != "cancel":
        raise Http404
    reason_form = DeclineForm(request.POST or None) if action == "decline" else None
    if action in _CONFIRMED_ACTIONS and (
        request.method != "POST"
        or "confirm" not in request.POST
        or (reason_form and not reason_form.is_valid())
    ):
        return render(
            request,
            "events/manage/registration_confirm.html",
            {
                "event": event,
                "registration": registration,
                "action": action,
                "form": reason_form,
                "query": request.GET.get("query") or request.POST.get("query", ""),
            },
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if action == "cancel":
            services.cancel_registration(registration, by=request.user)
        elif action == "decline":
            services.decline(registration, by=request.user, reason=reason_form.cleaned_data["reason"])
        else:
            _ACTIONS[action](registration, by=request.user)
        messages.success(
            request,
            _("%(name)s: %(status)s")
            % {
                "name": registration.user.full_name,
                "status": Registration.objects.get(pk=registration.pk).get_status_display(),
            },
        )
    except (services.RegistrationError, TransitionError) as error:
        messages.error(request, str(error))
    return redirect(f"{reverse('events:registrations', args=[event.pk])}?{request.POST.get('query', '')}")


def _export_rows(event):
    for r in selectors.event_registrations(event):
        yield [
            r.user.full_name,
            r.user.full_name_kana,
            r.user.email,
            r.organization.display_name if r.organization else "",
            r.get_status_display(),
            r.created_at,
            r.registered_by.full_name if r.registered_by else "",
            r.get_attendance_display(),
        ]


def _export_header():
    return [
        _("Name"),
        _("Kana"),
        _("Email"),
        _("Organization"),
        _("Status"),
        _("Registered at"),
        _("Registered by"),
        _("Attendance"),
    ]


@event_reader_required
def export_registrations(request, event, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    stamp = timezone.localtime().strftime("%Y%m%d")
    name = f"{event.display_title}_{_('registrations')}_{stamp}"
    audit.record(
        actor=request.user, action="export.registrations", target=event, event=event, details={"format": fmt}
    )
    if fmt == "csv":
        return csv_response(f"{name}.csv", _export_header(), _export_rows(event))
    return xlsx_response(f"{name}.xlsx", [(_("Registrations"), _export_header(), _export_rows(event))])


# --- coordinators -------------------------------------------------------------------------


@login_required
def coordinate(request):
    if not permissions.is_coordinator(request.user):
        raise PermissionDenied
    rows = selectors.coordinator_registrations(request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "events/coordinate/list.html",
        {"page": page, "events": selectors.upcoming_events(limit=50)},
    )


@login_required
def bulk_register(request, pk):
    if not permissions.is_coordinator(request.user):
        raise PermissionDenied
    event = get_object_or_404(Event.objects.visible_to_public(), pk=pk)
    org_ids = sorted(permissions.coordinator_org_ids(request.user))
    organization = Organization.objects.filter(
        pk__in=org_ids, memberships__user=request.user, memberships__role="coordinator"
    ).first()
    form = BulkRegisterForm(request.POST or None, organization_ids=org_ids)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = bulk_registration.bulk_register(
                event,
                coordinator=request.user,
                organization=organization,
                members=form.cleaned_data["members"],
                new_people=form.cleaned_data["new_people"],
            )
        except bulk_registration.BulkError as error:
            form.add_error(None, str(error))
        if result and result.registered:
            messages.success(
                request, _("%(count)s people were registered.") % {"count": len(result.registered)}
            )
    return render(
        request,
        "events/coordinate/bulk.html",
        {
            "event": event,
            "form": form,
            "result": result,
            "organization": organization,
            "deadline": format_datetime(event.registration_closes_at),
        },
    )
