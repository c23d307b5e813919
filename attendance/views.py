"""Attendance pages: roster, QR check-in, attendance code, Zoom import, reception roster.

Views parse input and call one function of attendance.services or attendance.zoom_import.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from attendance import services as attendance_services
from attendance import zoom
from attendance import zoom_import as zoom_imports
from attendance.errors import AttendanceError
from attendance.models import ZoomImport, ZoomImportRow
from audit import services as audit
from core import pdf
from events.models import Event, Registration
from events.permissions import event_manager_required, event_reader_required

Attendance = Registration.Attendance


# --- forms (small and only used here) --------------------------------------------------------


class AttendanceCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Attendance code"),
        max_length=20,
        help_text=gettext_lazy("The code announced during the session."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ZoomReportForm(forms.Form):
    report = forms.FileField(
        label=gettext_lazy("Zoom participant report (CSV)"),
        help_text=gettext_lazy(
            "Zoom web portal → Reports → Usage → Participants → Export. "
            "Japanese or English headers, UTF-8 or Shift_JIS, up to 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_report(self):
        upload = self.cleaned_data["report"]
        if upload.size > zoom.MAX_ZOOM_BYTES:
            # Refused before the body is read into memory.
            raise forms.ValidationError(
                _("The file is larger than 10 MB. Upload the participant report of one meeting.")
            )
        return upload


# --- helpers ---------------------------------------------------------------------------------


def _event(pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("series").prefetch_related("hosts"), pk=pk)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- roster ----------------------------------------------------------------------------------

STATE_CHOICES = [
    (Attendance.ATTENDED, gettext_lazy("Attended")),
    (Attendance.ABSENT, gettext_lazy("Absent")),
    (Attendance.LEFT_EARLY, gettext_lazy("Left early")),
]


@event_reader_required
def roster(request, event: Event):
    registrations = list(attendance_services.roster(event))
    return render(
        request,
        "attendance/roster.html",
        {
            "event": event,
            "registrations": registrations,
            "counts": attendance_services.counts(event),
            "can_manage": request.can_manage,
            "states": STATE_CHOICES,
            "pending_review": zoom_imports.pending_review(event).count() if request.can_manage else 0,
            "required_minutes": zoom_imports.required_minutes(event),
        },
    )


@require_POST
@event_manager_required
def roster_mark(request, event: Event):
    """One row (button name="row" value="<id>:<state>") or the selected rows (name="bulk")."""
    back = reverse("attendance:roster", args=[event.pk])
    try:
        if "row" in request.POST:
            raw_id, _sep, state = request.POST["row"].partition(":")
            registration = get_object_or_404(
                Registration, pk=int(raw_id) if raw_id.isdigit() else 0, event=event
            )
            registration = attendance_services.mark(registration, by=request.user, attendance=state)
            if _wants_json(request):
                counts = attendance_services.counts(event)
                return JsonResponse(
                    {
                        "id": registration.pk,
                        "attendance": registration.attendance,
                        "label": str(registration.get_attendance_display()),
                        "counts": {**counts.__dict__, "present": counts.present},
                    }
                )
            messages.success(
                request,
                _("%(name)s: %(state)s")
                % {"name": registration.user.full_name, "state": registration.get_attendance_display()},
            )
            return redirect(f"{back}#r{registration.pk}")
        state = request.POST.get("bulk", "")
        ids = [value for value in request.POST.getlist("registration") if value.isdigit()]
        changed = attendance_services.bulk_mark(
            event, by=request.user, registration_ids=ids, attendance=state
        )
        messages.success(
            request,
            _("%(count)s people marked as %(state)s.") % {"count": changed, "state": Attendance(state).label},
        )
    except AttendanceError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
    return redirect(back)


# --- QR check-in and the attendance code ------------------------------------------------------


@event_manager_required
def checkin_qr(request, event: Event):
    opens, closes = attendance_services.checkin_window(event)
    return render(
        request,
        "attendance/checkin_qr.html",
        {
            "event": event,
            "svg": attendance_services.checkin_qr_svg(event),
            "url": attendance_services.checkin_url(event),
            "opens": opens,
            "closes": closes,
        },
    )


@login_required
def checkin(request, pk: int, token: str):
    """Opening the venue's QR code marks a confirmed registrant present (idempotent)."""
    event = _event(pk)
    try:
        registration = attendance_services.check_in(event, user=request.user, token=token)
    except AttendanceError as error:
        return render(
            request,
            "attendance/checkin_result.html",
            {"event": event, "error": str(error)},
            status=400,
        )
    return render(request, "attendance/checkin_result.html", {"event": event, "registration": registration})


@login_required
def attendance_code(request, pk: int):
    event = _event(pk)
    registration = (
        Registration.objects.confirmed()
        .filter(event=event, user=request.user)
        .only("id", "attendance", "status", "event_id", "user_id")
        .first()
    )
    form = AttendanceCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            attendance_services.enter_code(event, user=request.user, code=form.cleaned_data["code"])
        except AttendanceError as error:
            form.add_error("code", str(error))
            status = 400
        else:
            messages.success(request, _("Thank you. Your attendance has been recorded."))
            return redirect(event.get_absolute_url())
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "attendance/code_entry.html",
        {"event": event, "registration": registration, "form": form},
        status=status,
    )


# --- Zoom participant report --------------------------------------------------------------------


@event_manager_required
def zoom_import(request, event: Event):
    form = ZoomReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["report"]
            try:
                result = zoom_imports.import_zoom_report(
                    event, by=request.user, data=upload.read(), filename=upload.name
                )
            except AttendanceError as error:
                form.add_error("report", str(error))
                status = 400
            else:
                if not result.created:
                    messages.info(
                        request,
                        _("This file was already imported; nothing changed."),
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Imported: %(matched)s people matched (%(attended)s attended, %(left)s left early), "
                            "%(absent)s marked absent, %(unmatched)s to review."
                        )
                        % {
                            "matched": result.matched,
                            "attended": result.attended,
                            "left": result.left_early,
                            "absent": result.absent,
                            "unmatched": result.unmatched,
                        },
                    )
                if result.created and result.unmatched:
                    return redirect("attendance:zoom_review", event.pk)
                return redirect("attendance:roster", event.pk)
        else:
            status = 400
    imports = ZoomImport.objects.filter(event=event).select_related("imported_by")
    return render(
        request,
        "attendance/zoom_import.html",
        {
            "event": event,
            "form": form,
            "imports": imports,
            "required_minutes": zoom_imports.required_minutes(event),
            "ratio": settings.ATTENDANCE_MIN_RATIO,
        },
        status=status,
    )


@event_manager_required
def zoom_review(request, event: Event):
    if request.method == "POST":
        row = get_object_or_404(ZoomImportRow, pk=request.POST.get("row") or 0, zoom_import__event=event)
        try:
            if request.POST.get("action") == "dismiss":
                zoom_imports.dismiss_row(row, by=request.user)
                messages.success(request, _("%(name)s was dismissed.") % {"name": row.name})
            else:
                registration = Registration.objects.filter(
                    pk=request.POST.get("registration") or 0, event=event
                ).first()
                if registration is None:
                    raise AttendanceError(_("Choose the registrant this Zoom name belongs to."))
                zoom_imports.link_row(row, by=request.user, registration=registration)
                messages.success(
                    request,
                    _("%(name)s was linked to %(person)s.")
                    % {"name": row.name, "person": registration.user.full_name},
                )
        except AttendanceError as error:
            messages.error(request, str(error))
        return redirect("attendance:zoom_review", event.pk)
    rows = list(zoom_imports.pending_review(event))
    return render(
        request,
        "attendance/zoom_review.html",
        {"event": event, "rows": rows, "registrations": list(attendance_services.roster(event))},
    )


# --- 受付名簿 -------------------------------------------------------------------------------------


@event_reader_required
def reception_roster(request, event: Event):
    context = {
        "event": event,
        "registrations": list(attendance_services.roster(event)),
        "blank_rows": range(5),
        "pdf_available": pdf.available(),
    }
    if request.GET.get("format") == "pdf":
        response = pdf.pdf_response(
            request, "attendance/reception_roster.html", context, f"reception-{event.pk}.pdf"
        )
        if response is None:
            messages.error(request, _("PDF output is not available on this server; use the browser's print."))
            return redirect("attendance:reception_roster", event.pk)
        audit.record(
            actor=request.user,
            action="export.reception_roster",
            target=event,
            event=event,
            details={"format": "pdf", "rows": len(context["registrations"])},
        )
        return response
    return render(request, "attendance/reception_roster.html", context)
