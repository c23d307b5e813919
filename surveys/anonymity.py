"""Anonymous questionnaires: what "anonymous" means here, and how it holds.

The promise: an organizer (or the sponsor) who reads every page and export of the
product, as often as they like, cannot tell what any one person answered.

How it holds:
1. Storage. The fact that someone answered is a Respondent row (form, event, person;
   no time, no link to the answers). The answers are a Submission with no user, no
   editor, no times, a random UUID key, and Answer rows whose keys are random 64-bit
   numbers instead of the table's sequence, so no key follows the order of arrival.
2. Release in batches. A new response waits (Submission.in_results false) and is
   counted nowhere: not in results, written answers, exports, comparisons or the
   sponsor's dashboard. It is released together with others, never alone:
   - once the form has closed, with at least k responses (the default), and after
     that only in batches of at least k late responses; or
   - while the form is open, each time at least k new responses are waiting.
   k is per form (default 5, never below 3). So every change a reader can observe
   is the sum of at least k people's answers: differencing two visits gives nothing
   about one person. The who-has-answered list is a count until k people answered,
   and never has times.
3. No recalculation on demand: releases happen in Celery (after a submission, and
   every ten minutes by beat for forms whose close has passed), and recomputing a
   summary only ever counts released responses, so a recompute changes nothing.
4. Breakdowns (by the form's group question) only for forms released once, after
   closing, computed once at that release and frozen; groups smaller than k are
   hidden, and when the hidden ones together (plus those who did not answer the
   group question) are fewer than k, the smallest shown group is hidden too, so
   "total minus the shown groups" never isolates a few people.
5. Written answers appear in a random order fixed per form (a keyed hash of the
   response's random key, not arrival), without ids or times; exports carry no
   respondent column and no timestamps, in the same order.
6. No file questions (a file keeps its name, its metadata and its bytes).

What it does not cover: someone with direct database access can still read the
physical row order or PostgreSQL's xmin; that is the operator's, not a reader's, view.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event
from surveys.models import Answer, Form, Submission, Summary
from surveys.tally import compute

MIN_K = 3

# Anonymous answers take random keys from [2**48, 2**63): far above any value the
# table's own sequence will reach, so the two never meet, and a collision between two
# random keys is a 1-in-2**62 chance per pair (the primary key would refuse it).
_RANDOM_ID_LOW = 2**48
_RANDOM_ID_SPAN = 2**63 - 1 - _RANDOM_ID_LOW


def random_answer_id() -> int:
    return _RANDOM_ID_LOW + secrets.randbelow(_RANDOM_ID_SPAN)


def validate_k(value) -> int:
    """The form's k, or a message for the organizer."""
    try:
        k = int(value)
    except (TypeError, ValueError):
        raise ValueError(_("Enter a whole number of at least 3.")) from None
    if k < MIN_K:
        raise ValueError(
            _(
                "At least %(min)s responses are needed before results of an anonymous questionnaire "
                "show; fewer would let a reader guess who gave which answer."
            )
            % {"min": MIN_K}
        )
    return k


# --- storing a response ------------------------------------------------------------------------


def store_response(*, form: Form, event: Event, rows: list[Answer], group_choice) -> None:
    """Write the answers of one anonymous response (inside the caller's transaction).

    The Submission waits outside the results (in_results false) until released."""
    submission = Submission.objects.create(
        form=form,
        event=event,
        status=Submission.Status.SUBMITTED,
        group_choice=group_choice,
        in_results=False,
    )
    for row in rows:
        row.submission = submission
        row.id = random_answer_id()
    Answer.objects.bulk_create(rows)


# --- releasing responses in batches -------------------------------------------------------------


def is_closed(form: Form, event: Event, now: datetime | None = None) -> bool:
    closes = form.closes_for(event)
    return closes is not None and (now or timezone.now()) >= closes


def release_is_due(
    form: Form, event: Event, *, released: int, waiting: int, now: datetime | None = None
) -> bool:
    if waiting <= 0:
        return False
    k = max(form.min_responses, MIN_K)
    if form.results_release == Form.Release.STEPS:
        return waiting >= k
    if not is_closed(form, event, now):
        return False
    return released + waiting >= k if released == 0 else waiting >= k


def release_due(form: Form, event: Event | int, *, now: datetime | None = None) -> int:
    """Release the waiting responses of one session if the rule allows; returns how many.

    Runs in Celery. The form row is locked so two workers cannot release the same batch
    twice or interleave a release with a summary."""
    event = event if isinstance(event, Event) else Event.objects.filter(pk=event).first()
    if event is None:
        return 0
    with transaction.atomic():
        form = Form.objects.select_for_update().get(pk=form.pk)
        if not form.anonymous:
            return 0
        submitted = Submission.objects.filter(form=form, event=event, status=Submission.Status.SUBMITTED)
        released = submitted.filter(in_results=True).count()
        waiting = submitted.filter(in_results=False).count()
        if release_is_due(form, event, released=released, waiting=waiting, now=now):
            released_now = submitted.filter(in_results=False).update(in_results=True)
        else:
            released_now = 0
        summary = Summary.objects.filter(form=form, event=event).first()
        needs_breakdown = (
            summary is not None
            and breakdown_allowed(form)
            and not summary.data.get("breakdown_frozen")
            and is_closed(form, event, now)
        )
        if released_now or needs_breakdown:
            summarize(form, event.pk, now=now)
    return released_now


def release_all_due(*, now: datetime | None = None) -> int:
    """Beat: every session of an anonymous form with responses waiting, or whose frozen
    breakdown is due now that it closed. A few queries; the rest is per session."""
    pairs = set(
        Submission.objects.filter(
            form__anonymous=True, status=Submission.Status.SUBMITTED, in_results=False
        ).values_list("form_id", "event_id")
    )
    pairs |= set(
        Summary.objects.filter(form__anonymous=True, form__results_release=Form.Release.AFTER_CLOSE)
        .exclude(data__breakdown_frozen=True)
        .values_list("form_id", "event_id")
    )
    forms = Form.objects.in_bulk({f for f, _e in pairs})
    events = Event.objects.in_bulk({e for _f, e in pairs})
    released = 0
    for form_id, event_id in sorted(pairs):
        form, event = forms.get(form_id), events.get(event_id)
        if form is not None and event is not None:
            released += release_due(form, event, now=now)
    return released


# --- the stored summary of an anonymous form ---------------------------------------------------


def breakdown_allowed(form: Form) -> bool:
    # Released once, after closing: one snapshot, so groups cannot be differenced
    # against an earlier total. Released in steps: never (see the module docstring).
    return form.results_release == Form.Release.AFTER_CLOSE


def summarize(form: Form, event_id: int, *, now: datetime | None = None) -> Summary:
    """Compute the released responses' summary; freeze the breakdown at the first
    summary after closing and keep it unchanged from then on."""
    data = compute(form, event_id)
    previous = Summary.objects.filter(form=form, event_id=event_id).first()
    frozen = previous.data if previous and previous.data.get("breakdown_frozen") else None
    event = Event.objects.get(pk=event_id)
    group = form.questions.filter(breakdown=True).values_list("pk", flat=True).first()
    if frozen is not None:
        data["group_sizes"] = frozen.get("group_sizes", {})
        data["group_question"] = frozen.get("group_question")
        for qid, entry in data["questions"].items():
            entry["by_group"] = frozen.get("questions", {}).get(qid, {}).get("by_group", {})
        data["breakdown_frozen"] = True
    elif breakdown_allowed(form) and is_closed(form, event, now) and data["responses"] >= form.min_responses:
        data["group_question"] = group
        data["breakdown_frozen"] = True
    else:
        data["group_sizes"] = {}
        for entry in data["questions"].values():
            entry["by_group"] = {}
    with transaction.atomic():
        summary, _created = Summary.objects.update_or_create(
            form=form,
            event_id=event_id,
            defaults={"data": data, "responses": data["responses"], "computed_at": now or timezone.now()},
        )
    return summary


def shown_groups(sizes: dict[str, int], responses: int, threshold: int) -> set[str]:
    """Which groups (choice ids as text) may show their figures.

    Groups under the threshold are hidden; if what is hidden (those groups plus the
    responses without a group) adds up to between 1 and threshold − 1 people, it could be
    read as "total minus the shown groups", so the smallest shown group is hidden as
    well, until the hidden part is empty or large enough."""
    shown = {g for g, n in sizes.items() if g != "none" and n >= threshold}
    while shown:
        hidden = responses - sum(sizes[g] for g in shown)
        if hidden == 0 or hidden >= threshold:
            break
        shown.remove(min(shown, key=lambda g: (sizes[g], g)))
    return shown


# --- the order of written answers and export rows --------------------------------------------


def _seed(form: Form) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"surveys.shuffle:{form.pk}".encode(), hashlib.sha256
    ).hexdigest()[:32]


def shuffled(queryset, form: Form, *, submission_field: str = "submission_id"):
    """Order rows by a keyed hash of their response's random key: random, fixed per form,
    and unrelated to arrival. Exports and the written answers use the same order."""
    key = Concat(Value(_seed(form)), Cast(F(submission_field), CharField()), output_field=CharField())
    return queryset.annotate(_shuffle=MD5(key)).order_by("_shuffle")
