"""Pre-work sheets shared within one's breakout group: the list, one sheet, one of its files.
Whoever may not read a sheet gets the same 404 as for a sheet that does not exist."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from events.models import Event
from groupwork import sharing
from surveys import files as filekinds
from surveys.models import Answer


def _event(pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("series"), pk=pk)


@require_safe
@login_required
def sheets(request, pk):
    event = _event(pk)
    seat = sharing.viewer(event, request.user)
    if seat is None:
        raise Http404
    context = {
        "event": event,
        "seat": seat,
        "shared": sharing.shared_with(event, request.user),
        "until": sharing.follow_up_ends(event),
    }
    return render(request, "groupwork/shared_sheets.html", context)


@require_safe
@login_required
def sheet(request, pk, submission_id):
    event = _event(pk)
    found = sharing.find(event, request.user, submission_id)
    if found is None:
        raise Http404
    shared, seat = found
    sharing.record_view(shared, seat, by=request.user, request=request)
    context = {
        "event": event,
        "shared": shared,
        "sections": sharing.read_sections(shared.submission),
        "until": sharing.follow_up_ends(event),
    }
    return render(request, "groupwork/shared_sheet.html", context)


@require_safe
@login_required
def sheet_file(request, pk, submission_id, answer_id):
    event = _event(pk)
    found = sharing.find(event, request.user, submission_id)
    if found is None:
        raise Http404
    shared, seat = found
    answer = Answer.objects.filter(pk=answer_id, submission=shared.submission).exclude(file="").first()
    if answer is None:
        raise Http404
    try:
        handle = answer.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    sharing.record_file(shared, seat, answer, by=request.user, request=request)
    kind = filekinds.stored_kind(answer.file.name, answer.file_type)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filekinds.download_name(answer.file_name or "", kind.extension),
        content_type=kind.mime,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
