"""Organizers and the sponsor read answers: who has answered, each submission, exports,
the results page and the comparison across sessions. Anonymous forms show only what
surveys.anonymity releases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Organization
from audit import services as audit
from core.dates import format_datetime
from events.models import Event, ParticipatingOrganization, Registration
from surveys import (
    anonymity,
    exports,
    results,
)
from surveys import permissions as form_permissions
from surveys.aggregation import aggregate_now
from surveys.models import Answer, Form, Question, Respondent, Submission, Summary
from surveys.structure import Structure
from surveys.views.answering import read_sections
from surveys.views.common import event_of_form, form_or_404, refusal, require_manager, require_reader


def _org_roots() -> dict[int, Organization]:
    return Organization.objects.root_map()


@login_required
def status(request, pk: int, event_id: int):
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    require_reader(request, form)
    registrations = list(
        Registration.objects.confirmed()
        .filter(event=event)
        .select_related("user", "organization")
        .order_by("user__full_name_kana", "user__email")
    )
    rows = []
    if form.per_organization:
        roots = _org_roots()
        by_org: dict[int, dict] = {}
        for po in ParticipatingOrganization.objects.filter(event=event).order_by("order", "id"):
            root = roots.get(po.organization_id)
            if root is not None:
                by_org.setdefault(root.pk, {"organization": root, "people": []})
        for r in registrations:
            root = roots.get(r.organization_id) if r.organization_id else None
            if root is not None:
                by_org.setdefault(root.pk, {"organization": root, "people": []})["people"].append(r.user)
        submissions = {
            s.organization_id: s
            for s in Submission.objects.filter(form=form, event=event).select_related("updated_by")
        }
        for org_id, entry in by_org.items():
            s = submissions.get(org_id)
            rows.append(
                {
                    "organization": entry["organization"],
                    "people": entry["people"],
                    "submission": s,
                    "state": s.status if s else "none",
                }
            )
    elif form.anonymous:
        answered = set(Respondent.objects.filter(form=form, event=event).values_list("user_id", flat=True))
        if len(answered) < form.min_responses:
            # Only a count until k have answered (surveys.anonymity).
            counts = {"none": len(registrations) - len(answered), "draft": 0, "submitted": len(answered)}
            return render(
                request,
                "surveys/status.html",
                {
                    "form": form,
                    "event": event,
                    "rows": [],
                    "counts": counts,
                    "total": len(registrations),
                    "names_withheld": True,
                },
            )
        for r in registrations:
            rows.append(
                {
                    "registration": r,
                    "submission": None,
                    "state": "submitted" if r.user_id in answered else "none",
                }
            )
    else:
        submissions = {s.user_id: s for s in Submission.objects.filter(form=form, event=event)}
        for r in registrations:
            s = submissions.get(r.user_id)
            rows.append({"registration": r, "submission": s, "state": s.status if s else "none"})
    counts = {"none": 0, "draft": 0, "submitted": 0}
    for row in rows:
        counts[row["state"]] += 1
    return render(
        request,
        "surveys/status.html",
        {"form": form, "event": event, "rows": rows, "counts": counts, "total": len(rows)},
    )


@login_required
def submission_detail(request, submission_id):
    submission = get_object_or_404(
        Submission.objects.select_related(
            "form__event", "form__series", "event", "user", "organization", "updated_by"
        ),
        pk=submission_id,
    )
    form = submission.form
    require_reader(request, form)
    if form.anonymous:
        raise Http404  # one anonymous response is never shown on its own
    return render(
        request,
        "surveys/submission.html",
        {
            "form": form,
            "event": submission.event,
            "submission": submission,
            "sections": read_sections(Structure.load(form), submission),
        },
    )


def _withheld(request, form: Form, event: Event):
    """An anonymous form's export before any responses were released: refused, with why."""
    if not form.anonymous or Submission.objects.filter(form=form, event=event, in_results=True).exists():
        return None
    return refusal(
        request,
        anonymity_message(form, event),
        event=event,
        form=form,
        status=409,
    )


def anonymity_message(form: Form, event: Event) -> str:
    if form.results_release == Form.Release.STEPS:
        return _(
            "This questionnaire is anonymous: its answers show once at least %(k)s people have "
            "answered, and then change only when at least %(k)s more have."
        ) % {"k": form.min_responses}
    return _(
        "This questionnaire is anonymous: its answers show after it closes (%(date)s), and only "
        "if at least %(k)s people have answered."
    ) % {"k": form.min_responses, "date": format_datetime(form.closes_for(event))}


def _audit_export(request, form, event, fmt: str) -> None:
    audit.record(
        actor=request.user, action="export.form_answers", target=form, event=event, details={"format": fmt}
    )


@login_required
def export_xlsx(request, pk: int, event_id: int):
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    require_reader(request, form)
    if withheld := _withheld(request, form, event):
        return withheld
    _audit_export(request, form, event, "xlsx")
    return exports.xlsx_response(form, event)


@login_required
def export_csv(request, pk: int, event_id: int):
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    require_reader(request, form)
    if withheld := _withheld(request, form, event):
        return withheld
    _audit_export(request, form, event, "csv")
    return exports.csv_response(form, event)


@login_required
def export_files(request, pk: int, event_id: int):
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    require_reader(request, form)
    if form.anonymous:
        return refusal(request, _("An anonymous questionnaire has no files."), event=event, form=form)
    archive = exports.files_zip(form, event)
    _audit_export(request, form, event, "zip")
    return FileResponse(
        archive, as_attachment=True, filename=f"{form.title}_{event.starts_at:%Y%m%d}_files.zip"
    )


@login_required
def results_page(request, pk: int, event_id: int):
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    require_reader(request, form)
    structure = Structure.load(form)
    summary = Summary.objects.filter(form=form, event=event).first()
    context = results.build(form, summary, structure)
    context["rate"] = results.response_rate(form, event, context["responses"])
    context["can_recalculate"] = form_permissions.can_manage_form(request.user, form) and not form.anonymous
    # Free text: listed and searchable, a page at a time.
    query = (request.GET.get("q") or "").strip()[:100]
    text_ids = [q.pk for q in structure.questions.values() if q.is_text]
    other_ids = [
        c.pk for q in structure.questions.values() if q.is_choice for c in q.choices.all() if c.is_other
    ]
    texts = (
        Answer.objects.filter(
            submission__form=form,
            submission__event=event,
            submission__status=Submission.Status.SUBMITTED,
            submission__in_results=True,
        )
        .filter(Q(question_id__in=text_ids) | Q(choice_id__in=other_ids))
        .exclude(value_text="")
    )
    if query:
        texts = texts.filter(value_text__icontains=query)
    if form.anonymous:
        if context["withheld"]:
            texts = texts.none()
        # A random order fixed per form, never the order of arrival (surveys.anonymity).
        texts = anonymity.shuffled(texts, form).values_list("question_id", "value_text")
    else:
        texts = texts.order_by("question_id", "id").values_list("question_id", "value_text")
    page = Paginator(texts, 30).get_page(request.GET.get("page"))
    text_rows = [(structure.questions[qid], text) for qid, text in page.object_list]
    context.update(
        {
            "form": form,
            "event": event,
            "query": query,
            "text_page": page,
            "text_rows": text_rows,
            "can_manage": form_permissions.can_manage_form(request.user, form),
            "anonymity_message": anonymity_message(form, event) if form.anonymous else "",
        }
    )
    return render(request, "surveys/results.html", context)


@login_required
@require_POST
def refresh(request, pk: int, event_id: int):
    """On demand: recompute now (the organizer is waiting for it)."""
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    require_manager(request, form)
    if form.anonymous:
        # No recalculation on demand: it would let a reader see one response arrive.
        return refusal(request, anonymity_message(form, event), event=event, form=form)
    aggregate_now(form, event)
    messages.success(request, _("The results were recalculated."))
    return redirect(form.url_for("results", event))


@login_required
def compare(request, pk: int):
    """第1回 vs 第2回, or any chosen sessions using the same template, side by side."""
    form = form_or_404(pk)
    require_reader(request, form)
    candidates = Form.objects.filter(kind=form.kind).select_related("event", "series")
    candidates = candidates.filter(starter=form.starter) if form.starter else candidates.filter(pk=form.pk)
    if not permissions.can_read_across_organizations(request.user):
        orgs = permissions.organizer_org_ids(request.user)
        candidates = candidates.filter(Q(event__hosts__in=orgs) | Q(series__hosts__in=orgs)).distinct()
    candidates = list(candidates.order_by("id")[:200])
    series_ids = [f.series_id for f in candidates if f.series_id]
    series_events: dict[int, list[Event]] = {}
    for e in (
        Event.objects.filter(series_id__in=series_ids)
        .exclude(status=Event.Status.DRAFT)
        .order_by("starts_at")
    ):
        series_events.setdefault(e.series_id, []).append(e)
    pairs = []
    for f in candidates:
        for e in [f.event] if f.event_id else series_events.get(f.series_id, []):
            pairs.append((f, e))
    pairs.sort(key=lambda fe: fe[1].starts_at)
    chosen = set(request.GET.getlist("pair"))
    if not chosen:
        same = [
            p
            for p in pairs
            if (form.series_id and p[0].pk == form.pk)
            or (form.event_id and form.event.series_id and p[1].series_id == form.event.series_id)
            or p[0].pk == form.pk
        ]
        chosen = {f"{f.pk}-{e.pk}" for f, e in same}
    selected = [(f, e) for f, e in pairs if f"{f.pk}-{e.pk}" in chosen][:8]
    summaries = {}
    if selected:
        condition = Q()
        for f, e in selected:
            condition |= Q(form_id=f.pk, event_id=e.pk)
        summaries = {(s.form_id, s.event_id): s for s in Summary.objects.filter(condition)}
    questions = {}
    for q in Question.objects.filter(form__in={f.pk for f, _e in selected}).prefetch_related("choices"):
        questions[(q.form_id, q.key)] = q
    base = Structure.load(form)
    limit = results.min_group_size()
    rows = []
    for section in base.sections:
        for q in section.question_list:
            if q.type not in (
                Question.Type.SCALE,
                Question.Type.YES_NO,
                Question.Type.SINGLE_CHOICE,
                Question.Type.MULTIPLE_CHOICE,
            ):
                continue
            cells = []
            for f, e in selected:
                summary = summaries.get((f.pk, e.pk))
                other = questions.get((f.pk, q.key))
                responses = summary.responses if summary else 0
                if other is not None and f.anonymous and responses < max(limit, f.min_responses):
                    cells.append({"hidden": True, "n": responses})
                    continue
                if other is None or summary is None:
                    cells.append({"missing": True})
                    continue
                entry = summary.data.get("questions", {}).get(str(other.pk), {})
                counts, answered = entry.get("counts", {}), entry.get("answered", 0)
                if q.type == Question.Type.SCALE:
                    cells.append({"mean": entry.get("mean"), "n": answered})
                elif q.type == Question.Type.YES_NO:
                    total = counts.get("yes", 0) + counts.get("no", 0)
                    cells.append({"share": counts.get("yes", 0) / total if total else None, "n": total})
                else:
                    labels = {str(c.pk): c.label for c in other.choices.all()}
                    denominator = responses if q.type == Question.Type.MULTIPLE_CHOICE else answered
                    top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
                    cells.append(
                        {
                            "top": [
                                (labels.get(k, "?"), n / denominator if denominator else None) for k, n in top
                            ],
                            "n": answered,
                        }
                    )
            rows.append({"question": q, "cells": cells})
    chart = {
        "labels": [r["question"].label[:30] for r in rows if r["question"].type == Question.Type.SCALE],
        "series": [
            {
                "label": str(e),
                "values": [
                    c.get("mean")
                    for r, c in ((r, r["cells"][i]) for r in rows)
                    if r["question"].type == Question.Type.SCALE
                ],
            }
            for i, (_f, e) in enumerate(selected)
        ],
    }
    return render(
        request,
        "surveys/compare.html",
        {
            "form": form,
            "pair_rows": [
                {"form": f, "event": e, "key": f"{f.pk}-{e.pk}", "checked": f"{f.pk}-{e.pk}" in chosen}
                for f, e in pairs
            ],
            "selected": selected,
            "responses": [
                summaries.get((f.pk, e.pk)).responses if summaries.get((f.pk, e.pk)) else 0
                for f, e in selected
            ],
            "rows": rows,
            "chart": chart,
            "min_group_size": limit,
        },
    )
