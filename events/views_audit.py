"""The audit trail's pages: an event's trail for its organizers, and the whole trail,
filterable and exportable, for platform administrators.

Organizers see who did what to their event and its registrations; the client address
and request id of each entry (personal data of the people acting) are for administrators
only. Reading the whole trail is itself a download of personal data: exports are audited.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import Organization
from audit import selectors
from audit import services as audit
from audit.labels import ACTION_LABELS, action_label, change_lines, detail_lines
from core.dates import format_datetime
from core.exports import csv_response, xlsx_response
from events.models import Event
from events.permissions import event_manager_required

PER_PAGE = 50


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Who (name or email)"), required=False, max_length=100)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    event = forms.IntegerField(label=gettext_lazy("Event id"), required=False, min_value=1)
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"), queryset=Organization.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = sorted(ACTION_LABELS.items())
        self.fields["action"].choices = [
            ("", _("All actions")),
            *((c, f"{label}（{c}）") for c, label in codes),
        ]
        self.fields["organization"].queryset = Organization.objects.select_related("parent").order_by(
            "prefecture", "name"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data

    def selection(self):
        data = self.cleaned_data
        organization = data.get("organization")
        return selectors.entries(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            event_id=data.get("event"),
            organization_id=organization.pk if organization else None,
            organization_event_ids=(
                Event.objects.filter(hosts=organization).values("pk") if organization else None
            ),
        )


def _rows(page_entries, *, events: dict[int, Event] | None = None):
    for entry in page_entries:
        entry.label = action_label(entry.action)
        entry.change_lines = change_lines(entry.changes)
        entry.detail_lines = detail_lines(entry.details)
        entry.when = format_datetime(entry.at)
        entry.event = events.get(entry.event_id) if events is not None and entry.event_id else None
    return page_entries


def _require_staff(user) -> None:
    if not (permissions.is_staff(user) or (user.is_authenticated and user.is_superuser)):
        raise PermissionDenied


@event_manager_required
def event_trail(request, event):
    # Queries: the page's entries (one), their count (one); content types are cached.
    paginator = Paginator(selectors.entries(event_id=event.pk), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_trail.html",
        {"event": event, "page": page, "entries": _rows(page.object_list), "show_network": False},
    )


@login_required
def trail(request):
    _require_staff(request.user)
    form = AuditFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    qs = form.selection() if request.GET and valid else selectors.entries()
    if not valid:
        qs = qs.none()
    paginator = Paginator(qs, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    # One query for the titles of the events on this page.
    events = Event.objects.in_bulk({e.event_id for e in entries if e.event_id})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/trail.html",
        {
            "form": form,
            "page": page,
            "entries": _rows(entries, events=events),
            "show_network": True,
            "query": query.urlencode(),
        },
    )


HEADER = [
    gettext_lazy("When"),
    gettext_lazy("Who"),
    gettext_lazy("Action"),
    gettext_lazy("Action code"),
    gettext_lazy("Object type"),
    gettext_lazy("Object"),
    gettext_lazy("Object id"),
    gettext_lazy("Changes"),
    gettext_lazy("Details"),
    gettext_lazy("Event id"),
    gettext_lazy("Organization id"),
    gettext_lazy("Client address"),
    gettext_lazy("Request id"),
]


def _export_rows(qs):
    for entry in qs.iterator(chunk_size=2000):
        yield [
            timezone.localtime(entry.at),
            entry.actor_label,
            action_label(entry.action),
            entry.action,
            entry.target_type.name if entry.target_type_id else "",
            entry.target_label,
            entry.target_id,
            "\n".join(change_lines(entry.changes)),
            "\n".join(detail_lines(entry.details)),
            entry.event_id or "",
            entry.organization_id or "",
            entry.client_ip or "",
            entry.request_id,
        ]


@login_required
def export(request, fmt: str):
    _require_staff(request.user)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        raise Http404
    qs = form.selection() if request.GET else selectors.entries()
    filters = {k: v for k, v in request.GET.items() if v and k != "page"}
    # Recorded before the rows are read, so the export appears in its own file.
    audit.record(actor=request.user, action="export.audit_trail", details={"format": fmt, "filters": filters})
    header = [str(h) for h in HEADER]
    name = f"{_('audit-trail')}_{timezone.localtime():%Y%m%d-%H%M}"
    if fmt == "csv":
        return csv_response(f"{name}.csv", header, _export_rows(qs))
    return xlsx_response(f"{name}.xlsx", [(_("Audit trail"), header, _export_rows(qs))])
