"""Organizer pages: the completion rule, the completion roster, issuing and revoking.

Views parse input and call one function of records.rules or records.certificates; the
permission checks are repeated there (a view's check only decides what the page shows).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from events.models import Event, EventSeries
from records import access, certificates, rules
from records import render as records_render
from records.completion import evaluate, sessions_of
from records.errors import RecordsError
from records.forms import OverrideForm, ReasonForm, RuleForm
from records.models import Certificate


def _target(scope: str, pk: int) -> dict:
    if scope == "series":
        return {"series": get_object_or_404(EventSeries.objects.prefetch_related("hosts"), pk=pk)}
    if scope == "event":
        event = get_object_or_404(Event.objects.select_related("series").prefetch_related("hosts"), pk=pk)
        return {"event": event}
    raise Http404


def _title(target: dict) -> str:
    return target["series"].title if "series" in target else target["event"].display_title


def _back(target: dict) -> str:
    if "series" in target:
        return target["series"].get_absolute_url()
    return target["event"].get_manage_url()


def completion_url(scope: str, pk: int) -> str:
    return reverse("records:completion", args=[scope, pk])


@login_required
def completion(request, scope: str, pk: int):
    target = _target(scope, pk)
    if "event" in target and target["event"].series_id:
        return redirect("records:completion", "series", target["event"].series_id)
    if not access.can_read_completion(request.user, **target):
        raise PermissionDenied
    rule = rules.rule_for(**target)
    results = evaluate(rule) if rule else []
    sessions = sessions_of(**target)
    held = {
        c.user_id: c
        for c in Certificate.objects.valid().filter(**target, user_id__in=[r.user.pk for r in results])
    }
    rows = [(r, held.get(r.user.pk)) for r in results]
    return render(
        request,
        "records/completion.html",
        {
            "scope": scope,
            "target": target.get("series") or target.get("event"),
            "title": _title(target),
            "back_url": _back(target),
            "rule": rule,
            "sessions": sessions,
            "rows": rows,
            "completed": sum(1 for r in results if r.completed),
            "to_issue": sum(1 for r in results if r.completed and r.user.pk not in held),
            "can_manage": access.can_manage(request.user, **target),
        },
    )


@login_required
def rule(request, scope: str, pk: int):
    target = _target(scope, pk)
    if "event" in target and target["event"].series_id:
        return redirect("records:rule", "series", target["event"].series_id)
    if not access.can_manage(request.user, **target):
        raise PermissionDenied
    existing = rules.rule_for(**target)
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST, instance=existing)
        if form.is_valid():
            try:
                rules.save_rule(by=request.user, fields=form.cleaned_data, **target)
            except RecordsError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The completion rule was saved."))
                return redirect("records:completion", scope, pk)
        status = 400
    else:
        initial = {} if existing else {"issuer_name": rules.default_issuer(**target)}
        form = RuleForm(instance=existing, initial=initial)
    return render(
        request,
        "records/rule.html",
        {"form": form, "scope": scope, "pk": pk, "title": _title(target), "rule": existing},
        status=status,
    )


@require_POST
@login_required
def issue_all(request, scope: str, pk: int):
    target = _target(scope, pk)
    rule = rules.rule_for(**target)
    if not access.can_manage(request.user, **target):
        raise PermissionDenied
    if rule is None:
        messages.error(request, _("Set the completion rule first."))
        return redirect("records:rule", scope, pk)
    outcome = certificates.issue_all(by=request.user, rule=rule)
    messages.success(
        request,
        _("%(issued)s certificates issued (%(already)s already held one, %(open)s have not completed).")
        % {"issued": len(outcome.issued), "already": outcome.already, "open": outcome.not_completed},
    )
    return redirect("records:completion", scope, pk)


@login_required
def issue_one(request, scope: str, pk: int, user_id: int):
    target = _target(scope, pk)
    if not access.can_manage(request.user, **target):
        raise PermissionDenied
    rule = rules.rule_for(**target)
    if rule is None:
        raise Http404
    person = get_object_or_404(User, pk=user_id)
    found = evaluate(rule, user_ids={person.pk})
    if not found:
        raise Http404
    result = found[0]
    status = 200
    if request.method == "POST":
        form = OverrideForm(request.POST)
        if form.is_valid():
            try:
                certificate = certificates.issue(
                    by=request.user, rule=rule, user=person, override_reason=form.cleaned_data["reason"]
                )
            except RecordsError as error:
                form.add_error("reason" if not result.completed else None, str(error))
            else:
                messages.success(
                    request, _("Certificate %(number)s was issued.") % {"number": certificate.number}
                )
                return redirect("records:completion", scope, pk)
        status = 400
    else:
        form = OverrideForm()
    return render(
        request,
        "records/issue_one.html",
        {"form": form, "result": result, "person": person, "title": _title(target), "scope": scope, "pk": pk},
        status=status,
    )


def _managed_certificate(request, number: str) -> Certificate:
    certificate = get_object_or_404(
        Certificate.objects.select_related("series", "event", "user"), number=number
    )
    if not access.can_manage(request.user, series=certificate.series, event=certificate.event):
        raise PermissionDenied
    return certificate


def _scope_of(certificate: Certificate) -> tuple[str, int]:
    return ("series", certificate.series_id) if certificate.series_id else ("event", certificate.event_id)


@login_required
def revoke(request, number: str):
    return _reason_action(request, number, action="revoke")


@login_required
def reissue(request, number: str):
    return _reason_action(request, number, action="reissue")


def _reason_action(request, number: str, *, action: str):
    certificate = _managed_certificate(request, number)
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                if action == "revoke":
                    certificates.revoke(
                        by=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Certificate %(number)s was revoked.") % {"number": number})
                else:
                    new = certificates.reissue(
                        by=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
                    )
                    messages.success(
                        request,
                        _("Certificate %(new)s replaces %(number)s.") % {"new": new.number, "number": number},
                    )
            except RecordsError as error:
                form.add_error("reason", str(error))
            else:
                return redirect("records:completion", *_scope_of(certificate))
        status = 400
    else:
        form = ReasonForm()
    return render(
        request,
        "records/certificate_action.html",
        {"form": form, "certificate": certificate, "action": action, "scope": _scope_of(certificate)},
        status=status,
    )


@login_required
def certificate_pdf(request, number: str):
    certificate = get_object_or_404(Certificate.objects.select_related("series", "event"), number=number)
    if not access.can_download(request.user, certificate):
        # Not 403: a number that is not yours is as unknown as one that does not exist.
        raise Http404
    pdf = records_render.certificate_pdf(certificate)
    if pdf is None:
        raise Http404(_("PDF output is not available on this server."))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
