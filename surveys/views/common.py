"""What every survey page needs: load a form or its event, refuse who may not see it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from events.models import Event
from surveys import permissions as form_permissions
from surveys.models import Form


def form_or_404(pk: int) -> Form:
    return get_object_or_404(Form.objects.select_related("event", "series"), pk=pk)


def event_of_form(form: Form, event_id: int) -> Event:
    event = get_object_or_404(Event, pk=event_id)
    if not form.applies_to(event):
        raise Http404
    return event


def require_manager(request, form: Form) -> None:
    if not form_permissions.can_manage_form(request.user, form):
        raise PermissionDenied


def require_reader(request, form: Form) -> None:
    if not form_permissions.can_read_results(request.user, form):
        raise PermissionDenied


def refusal(
    request, message: str, *, event: Event | None = None, form: Form | None = None, status: int = 403
):
    return render(
        request, "surveys/refused.html", {"message": message, "event": event, "form": form}, status=status
    )


def events_page(form: Form) -> Event | None:
    return form.event if form.event_id else form.events().order_by("starts_at").first()
