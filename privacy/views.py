"""A person's own data (download a copy, delete the account), the privacy page, and the
administrators' retention page. Views parse input and call one service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import lifecycle, permissions
from audit import services as audit
from audit.models import AuditEntry
from privacy import export, retention
from privacy.forms import DeleteAccountForm
from privacy.models import DataExport
from surveys import anonymity


@login_required
def mine(request):
    """Your data: what is kept, a copy to download, and deleting the account."""
    latest = export.latest(request.user)
    return render(
        request,
        "privacy/mine.html",
        {
            "export": latest,
            "available": latest is not None and export.is_available(latest),
            "busy": latest is not None and latest.status in DataExport.BUSY,
            "days": settings.RETENTION_DATA_EXPORT_DAYS,
        },
    )


@login_required
@require_POST
def export_request(request):
    try:
        export.request_export(request.user, by=request.user)
    except export.ExportError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Your copy is being built. This page shows the progress, and a mail tells you when it is ready."
            ),
        )
    return redirect("privacy:mine")


def _own_export(request, pk) -> DataExport:
    # Someone else's export is "not found", not "forbidden": its address says nothing.
    found = DataExport.objects.filter(pk=pk, user=request.user).first()
    if found is None:
        raise Http404
    return found


@login_required
def export_status(request, pk):
    item = _own_export(request, pk)
    return JsonResponse(
        {"status": item.status, "label": item.get_status_display(), "progress": item.progress},
        headers={"Cache-Control": "no-store"},
    )


@login_required
def export_download(request, pk):
    item = _own_export(request, pk)
    if not export.is_available(item):
        messages.error(request, _("This copy is no longer available. Ask for a new one below."))
        return redirect("privacy:mine")
    audit.record(
        actor=request.user,
        action="download.personal_data",
        target=request.user,
        target_label=f"#{request.user.pk}",
        details={"export": str(item.pk)},
    )
    response = FileResponse(
        item.archive.open("rb"),
        as_attachment=True,
        filename=f"tsunagu-data-{timezone.localdate():%Y%m%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        lifecycle.pseudonymize(request.user, by=request.user, reason="the person, from their profile")
        logout(request)
        return render(request, "privacy/deleted.html", {})
    if request.method == "POST":
        messages.error(request, _("Your account was not deleted: see the fields marked below."))
    return render(request, "privacy/delete.html", {"form": form}, status=400 if form.errors else 200)


def policy(request):
    """The privacy notice (利用目的、保存期間、第三者提供、問い合わせ先), from the settings."""
    return render(
        request,
        "privacy/policy.html",
        {
            "classes": retention.DATA_CLASSES,
            "contact": {
                "name": settings.PRIVACY_CONTACT_NAME,
                "email": settings.PRIVACY_CONTACT_EMAIL,
                "phone": settings.PRIVACY_CONTACT_PHONE,
            },
            "min_k": anonymity.MIN_K,
            "questionnaire_days": settings.SURVEYS_QUESTIONNAIRE_OPEN_DAYS,
        },
    )


@login_required
def retention_page(request):
    """Administrators: each data class, its period and setting, and what is due tonight."""
    if not permissions.is_staff(request.user):
        raise PermissionDenied
    found = {d.key: d for d in retention.due()}
    rows = [{"cls": c, "due": found[c.key]} for c in retention.DATA_CLASSES]
    runs = AuditEntry.objects.filter(action="privacy.purge").order_by("-at")[:20]
    return render(request, "privacy/retention.html", {"rows": rows, "runs": runs})
