"""The public verification page that a certificate's QR code opens (no login).

It answers one question about one number: valid, revoked or unknown, with the issuing
organization, the title and the date. The holder's name is never shown: a visitor may
type a name and learns only whether it matches (so the page is no directory of who
was trained). Lookups and name checks are rate-limited per address, and name checks
per certificate, so numbers and names cannot be found by trying.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.dates import format_date
from records import certificates, throttle
from records.forms import LookupForm, NameCheckForm


def _limited(request, template: str = "records/verify.html", **context):
    return render(request, template, {**context, "limited": True}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """A form for a number typed from paper; it leads to the number's page."""
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        normalized = certificates.normalize_number(form.cleaned_data["number"])
        if normalized is not None:
            return redirect("verify:certificate", normalized)
        return redirect("verify:certificate", "unknown")
    return render(request, "records/verify_lookup.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def certificate(request, number: str):
    if not throttle.allow(request, "lookup", limit=settings.RECORDS_VERIFY_PER_MINUTE, window=60):
        return _limited(request, number=number)
    found = certificates.find(number)
    state = "unknown" if found is None else ("valid" if found.is_valid else "revoked")
    name_form = NameCheckForm(request.POST or None) if found is not None else None
    name_result = None
    if request.method == "POST" and found is not None and name_form.is_valid():
        allowed = throttle.allow(
            request, "name", limit=settings.RECORDS_NAME_CHECKS_PER_CERTIFICATE, window=600, key=found.number
        )
        if not allowed:
            return _limited(request, number=number, state=state, certificate=found)
        name_result = certificates.name_matches(found, name_form.cleaned_data["name"])
    return render(
        request,
        "records/verify.html",
        {
            "number": found.number if found else number,
            "state": state,
            "certificate": found,
            "issued_on": format_date(found.issued_at, weekday=False) if found else "",
            "revoked_on": format_date(found.revoked_at, weekday=False) if found and found.revoked_at else "",
            "name_form": name_form,
            "name_result": name_result,
        },
        status=404 if found is None else 200,
    )
