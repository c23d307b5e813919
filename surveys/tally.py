"""Results of a form for one session, counted by the database.

Two GROUP BY queries whatever the number of submissions:
1. over the answers, per (question, choice, scale point, yes/no, breakdown group):
   the count, and for numbers their sum, min and max;
2. over the submissions, per breakdown group.
The summary is stored (surveys.Summary) and the results page only reads it. Only
submissions released into the results count (Submission.in_results; always true for
named forms, see surveys.anonymity for anonymous ones).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Max, Min, Sum, Value, When

from surveys.models import Answer, Form, Question, Submission


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _key(question_type: str, choice_id, number, boolean) -> str | None:
    if question_type in Question.CHOICE_TYPES:
        return str(choice_id) if choice_id is not None else None
    if question_type == Question.Type.SCALE:
        return str(int(number)) if number is not None else None
    if question_type == Question.Type.YES_NO:
        return None if boolean is None else ("yes" if boolean else "no")
    return None


def compute(form: Form, event_id: int) -> dict:
    questions = {q.pk: q.type for q in Question.objects.filter(form=form).only("id", "type")}
    scale_ids = [pk for pk, t in questions.items() if t == Question.Type.SCALE]
    numeric_ids = {pk for pk, t in questions.items() if t in Question.NUMERIC_TYPES}
    per_question: dict[str, dict] = {
        str(pk): {"answered": 0, "counts": {}, "by_group": {}} for pk in questions
    }
    # One pass over the answers, like the hand-written GROUP BY floor: scale points
    # are a grouping key, other numbers collapse to one row per question carrying
    # their sum, min and max.
    number = DecimalField(max_digits=20, decimal_places=6)
    point = (
        Case(When(question_id__in=scale_ids, then=F("value_number")), default=None, output_field=number)
        if scale_ids
        else Value(None, output_field=number)
    )
    rows = (
        Answer.objects.filter(
            submission__form_id=form.pk,
            submission__event_id=event_id,
            submission__status=Submission.Status.SUBMITTED,
            submission__in_results=True,
        )
        .annotate(point=point)
        .values_list("question_id", "choice_id", "point", "value_bool", "submission__group_choice_id")
        .annotate(n=Count("id"), total=Sum("value_number"), low=Min("value_number"), high=Max("value_number"))
        .order_by()
    )
    numbers: dict[int, dict] = {}
    for qid, choice_id, number, boolean, group_id, n, total, low, high in rows:
        qtype = questions.get(qid)
        if qtype is None:
            continue
        entry = per_question[str(qid)]
        if qid in numeric_ids:
            if total is None:
                continue  # typed but not a number (drafts only; kept for completeness)
            acc = numbers.setdefault(qid, {"n": 0, "total": Decimal(0), "low": low, "high": high})
            acc["n"] += n
            acc["total"] += total
            acc["low"] = min(acc["low"], low)
            acc["high"] = max(acc["high"], high)
            entry["answered"] += n
            continue
        key = _key(qtype, choice_id, number, boolean)
        entry["answered"] += n
        if key is None:
            continue
        entry["counts"][key] = entry["counts"].get(key, 0) + n
        group = entry["by_group"].setdefault(str(group_id) if group_id else "none", {})
        group[key] = group.get(key, 0) + n
    for qid in scale_ids:
        entry = per_question[str(qid)]
        if entry["answered"]:
            total = sum(int(k) * n for k, n in entry["counts"].items())
            entry["mean"] = round(total / entry["answered"], 2)
    for qid, acc in numbers.items():
        entry = per_question[str(qid)]
        entry["mean"] = round(_num(acc["total"]) / acc["n"], 2)
        entry["min"] = _num(acc["low"])
        entry["max"] = _num(acc["high"])

    groups = (
        Submission.objects.filter(
            form=form, event_id=event_id, status=Submission.Status.SUBMITTED, in_results=True
        )
        .values_list("group_choice_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    group_sizes = {str(gid) if gid else "none": n for gid, n in groups}
    return {
        "responses": sum(group_sizes.values()),
        "group_sizes": group_sizes,
        "questions": per_question,
    }
