"""Materials pages: the organizer's and lecturers' list with the upload form, and the
download that checks audience and time for everyone else."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from events.models import Event
from groupwork import materials as service
from groupwork.forms import MaterialForm
from groupwork.models import Material
from surveys import files as filekinds


def _page(request, event, form, *, status=200):
    items = service.visible_to(event, request.user)
    context = {
        "event": event,
        "materials": [(m, service.can_remove(request.user, m)) for m in items],
        "form": form,
        "can_add": service.can_add(request.user, event),
        "upload_limit": settings.UPLOAD_MAX_MB,
    }
    return render(request, "groupwork/materials.html", context, status=status)


@login_required
def manage(request, pk):
    event = get_object_or_404(Event.objects.select_related("series"), pk=pk)
    if not service.can_see_all(request.user, event):
        raise PermissionDenied
    program = list(event.program_items.all())
    if request.method != "POST":
        return _page(request, event, MaterialForm(program=program))
    if not service.can_add(request.user, event):
        raise PermissionDenied
    form = MaterialForm(request.POST, request.FILES, program=program)
    if form.is_valid():
        data = form.cleaned_data
        try:
            service.add(
                event,
                by=request.user,
                title=data["title"],
                audience=data["audience"],
                visible_from=data["visible_from"],
                program_item_id=data.get("program_item"),
                upload=data.get("file"),
                url=data.get("url") or "",
            )
        except service.MaterialError as error:
            form.add_error("file" if data.get("file") else None, str(error))
        else:
            messages.success(request, _("The material was added."))
            return redirect("groupwork:materials", event.pk)
    return _page(request, event, form, status=400)


@require_POST
@login_required
def remove(request, pk, material_id):
    material = get_object_or_404(Material.objects.select_related("event"), pk=material_id, event_id=pk)
    service.remove(material, by=request.user)
    messages.success(request, _("The material was removed."))
    return redirect("groupwork:materials", pk)


@require_safe
def download(request, pk, material_id):
    """A file as a download (never rendered inline), or the link it stands for. Counted
    when someone of its audience takes it (organizers, lecturers and the reviewer checking
    it are not). Whoever may not see it gets the same 404 as for a material that does not exist."""
    material = get_object_or_404(Material.objects.select_related("event"), pk=material_id, event_id=pk)
    if not service.can_see(request.user, material):
        raise Http404
    counted = not service.can_see_all(request.user, material.event)
    if material.is_link:
        if counted:
            service.count_download(material)
        return redirect(material.url)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if counted:
        service.count_download(material)
    kind = filekinds.stored_kind(material.file.name, material.file_type)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filekinds.download_name(material.file_name or material.title, kind.extension),
        content_type=kind.mime,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
