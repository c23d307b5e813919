"""A person's own data (download a copy, delete the account), the privacy page, and the
administrators' retention page. Views parse input and call one service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import lifecycle, permissions
from audit.models import AuditEntry
from privacy import retention
from privacy.forms import DeleteAccountForm
from surveys import anonymity


@login_required
def mine(request):
    """Your data: what is kept, a copy to download, and deleting the account."""
    return render(request, "privacy/mine.html", {})


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
