"""The organizer's group pages. Views parse input and call one service; the services check
who may do what again, whatever reached them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import services as audit
from core import pdf
from core.exports import safe_cell
from events.models import Event
from events.permissions import event_manager_required, event_reader_required
from groupwork import selectors, services, sharing
from groupwork.breakdown import by_group
from groupwork.forms import GroupSettingsForm, PairRuleForm, ShareUntilForm
from groupwork.models import JobRole

# Zoom's breakout-room pre-assignment template: exactly these two columns.
ZOOM_HEADER = ("Pre-assign Room Name", "Email Address")


def _back(event: Event, anchor: str = ""):
    response = redirect("groupwork:manage", event.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _page(request, event, plan, *, form=None, status=200):
    rows = selectors.rows(event, plan)
    groups, unplaced = selectors.grouped(plan, rows) if plan else ([], rows)
    context = {
        "event": event,
        "plan": plan,
        "rows": rows,
        "groups": groups,
        "unplaced": unplaced,
        "group_numbers": [g.group.number for g in groups],
        "rules": selectors.pair_rules(plan) if plan else [],
        "form": form or GroupSettingsForm.for_plan(plan),
        "pair_form": PairRuleForm(people=rows),
        "job_roles": JobRole.choices,
        "can_manage": request.can_manage,
        "pdf_available": pdf.available(),
        "share_until": sharing.follow_up_ends(event),
        "share_form": ShareUntilForm(initial={"share_until": plan.share_until if plan else None}),
    }
    return render(request, "groupwork/manage.html", context, status=status)


@event_reader_required
def manage(request, event):
    return _page(request, event, selectors.plan_for(event))


@require_POST
@event_manager_required
def generate(request, event):
    plan = selectors.plan_for(event)
    form = GroupSettingsForm.for_plan(plan, data=request.POST)
    if form.is_valid():
        settings = form.settings()
        if settings["seed"] is None:
            settings["seed"] = services.new_seed()
        try:
            plan = services.generate(
                event, by=request.user, data=settings, reshuffle=form.cleaned_data.get("reshuffle", False)
            )
        except services.GroupworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The groups were formed."))
            if plan.notes:
                messages.warning(request, _("Some rules could not be kept; see the notes above the groups."))
            return _back(event, "groups")
    return _page(request, event, plan, form=form, status=400)


def _ids(request, prefix: str) -> dict[int, str]:
    """{id: value} of the posted fields named <prefix><id>; other names are ignored."""
    found = {}
    for name, value in request.POST.items():
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            found[int(name[len(prefix) :])] = value
    return found


@require_POST
@event_manager_required
def profiles(request, event):
    roles = _ids(request, "role-")
    rows = {}
    for user_id, role in roles.items():
        rows[user_id] = (role, request.POST.get(f"facilitator-{user_id}") == "on")
    try:
        changed = services.set_profiles(event, by=request.user, profiles=rows)
    except services.GroupworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved (%(count)s changed).") % {"count": changed})
    return _back(event, "people")


@require_POST
@event_manager_required
def add_rule(request, event):
    rows = selectors.rows(event, selectors.plan_for(event))
    form = PairRuleForm(request.POST, people=rows)
    if not form.is_valid():
        messages.error(request, _("Choose two people and a rule."))
        return _back(event, "rules")
    try:
        services.add_pair(
            event,
            by=request.user,
            first_id=form.cleaned_data["first"],
            second_id=form.cleaned_data["second"],
            kind=form.cleaned_data["kind"],
        )
    except services.GroupworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The rule was added; it applies the next time the groups are formed."))
    return _back(event, "rules")


@require_POST
@event_manager_required
def remove_rule(request, event, rule_id):
    try:
        services.remove_pair(event, by=request.user, rule_id=rule_id)
    except services.GroupworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The rule was removed."))
    return _back(event, "rules")


@require_POST
@event_manager_required
def move(request, event):
    moves = {}
    for user_id, value in _ids(request, "group-").items():
        if value == "":
            continue
        if not value.isdigit():
            messages.error(request, _("Choose a group from the list."))
            return _back(event, "groups")
        moves[user_id] = int(value)
    try:
        changed = services.move(event, by=request.user, moves=moves)
    except services.GroupworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved (%(count)s changed).") % {"count": changed})
    return _back(event, "groups")


@require_POST
@event_manager_required
def lock(request, event):
    locked = request.POST.get("locked") == "1"
    try:
        services.set_locked(event, by=request.user, locked=locked)
    except services.GroupworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The groups are locked: each participant sees their group on the event page.")
            if locked
            else _("The groups are unlocked: participants no longer see them."),
        )
    return _back(event, "groups")


def _groups_or_404(event):
    plan = selectors.plan_for(event)
    if plan is None:
        raise Http404
    groups, _unplaced = selectors.grouped(plan, selectors.rows(event, plan))
    if not groups:
        raise Http404
    return plan, groups


@event_reader_required
def zoom_csv(request, event):
    """Zoom's pre-assignment file: UTF-8 without a byte-order mark, as Zoom's own sample
    (the file is read by Zoom, not Excel); cells that Excel would run as formulas are
    still neutralised, should someone open it there."""
    _plan, groups = _groups_or_404(event)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ZOOM_HEADER)
    count = 0
    for view in groups:
        for row in view.rows:
            writer.writerow([safe_cell(view.label), safe_cell(row.email)])
            count += 1
    audit.record(
        actor=request.user,
        action="export.zoom_breakout",
        target=event,
        event=event,
        details={"rows": count},
        request=request,
    )
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="zoom-breakout-{event.pk}.csv"'
    return response


def _print_css() -> str:
    """The print stylesheet's text, inlined into the HTML that WeasyPrint turns into a PDF
    (that HTML never reaches a browser, so the page's CSP does not apply to it)."""
    path = finders.find("css/groupwork-print.css")
    return mark_safe(Path(path).read_text(encoding="utf-8")) if path else ""


@event_reader_required
def print_list(request, event):
    plan, groups = _groups_or_404(event)
    context = {"event": event, "plan": plan, "groups": groups, "pdf_available": pdf.available()}
    if request.GET.get("format") == "pdf":
        context["print_css"] = _print_css()
        response = pdf.pdf_response(request, "groupwork/print.html", context, f"groups-{event.pk}.pdf")
        if response is None:
            messages.error(request, _("PDF output is not available on this server; use the browser's print."))
            return redirect("groupwork:print", event.pk)
        audit.record(
            actor=request.user, action="export.group_list", target=event, event=event, request=request
        )
        return response
    return render(request, "groupwork/print.html", context)


@require_POST
@event_manager_required
def share_until(request, event):
    form = ShareUntilForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a date and time, or leave it empty."))
        return _back(event, "sharing")
    try:
        services.set_share_until(event, by=request.user, until=form.cleaned_data.get("share_until"))
    except services.GroupworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The follow-up period was saved."))
    return _back(event, "sharing")


@event_reader_required
def breakdown(request, event):
    plan = selectors.plan_for(event)
    if plan is None or not plan.groups.exists():
        raise Http404
    return render(request, "groupwork/breakdown.html", {"event": event, "breakdown": by_group(plan)})
