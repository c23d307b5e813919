"""Questionnaire links: signed tokens that let a registrant answer from the mail without
signing in. They stop when the form closes and once answers were sent with them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from core.dates import format_datetime
from events.models import Event, Registration
from surveys.answering import existing_submission, respondent_from_registration
from surveys.errors import SurveyError
from surveys.models import Form, Respondent

TOKEN_SALT = "surveys.questionnaire.v1"


class LinkUsed(SurveyError):
    """The mailed link was already used to send answers; `renewable` says whether a fresh
    one may be mailed (a named form that can still be edited)."""

    def __init__(self, message: str, *, renewable: bool) -> None:
        super().__init__(message)
        self.renewable = renewable


def make_token(form: Form, registration: Registration) -> str:
    # "t": when the link was made, to the millisecond; answers sent after it end the link.
    return signing.dumps(
        {"f": form.pk, "r": registration.pk, "t": round(time.time() * 1000)}, salt=TOKEN_SALT, compress=True
    )


def questionnaire_url(form: Form, registration: Registration) -> str:
    """The absolute link for mail (notifications use this)."""
    return settings.SITE_URL + reverse("surveys:answer_token", args=[make_token(form, registration)])


def read_token(token: str, *, allow_used: bool = False) -> tuple[Form, Event, Registration]:
    """A mailed questionnaire link works until the form closes and only until answers are
    sent with it (or after it was made); a fresh one is mailed on request (surveys.links)."""
    max_age = timedelta(days=settings.SURVEYS_TOKEN_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise SurveyError(
            _("This questionnaire link has expired. Sign in and open the questionnaire from “My events”.")
        ) from None
    except signing.BadSignature:
        raise SurveyError(
            _(
                "This questionnaire link is not valid. Copy the whole link from the mail, or sign in and open it from “My events”."
            )
        ) from None
    registration = (
        Registration.objects.filter(pk=payload.get("r"))
        .select_related("event", "user", "organization")
        .first()
    )
    form = Form.objects.filter(pk=payload.get("f")).select_related("event", "series").first()
    if registration is None or form is None or not form.applies_to(registration.event):
        raise SurveyError(_("This questionnaire is no longer available."))
    if registration.status != Registration.Status.CONFIRMED:
        raise SurveyError(
            _("Your registration for this event was cancelled, so the questionnaire is closed to you.")
        )
    event = registration.event
    if form.window_state(event) == "closed":
        raise SurveyError(
            _("This questionnaire closed on %(date)s, so its link no longer works.")
            % {"date": format_datetime(form.closes_for(event))}
        )
    if not allow_used:
        _refuse_used_link(form, event, registration, made=payload.get("t"))
    return form, event, registration


def _refuse_used_link(form: Form, event: Event, registration: Registration, *, made) -> None:
    if form.anonymous:
        if Respondent.objects.filter(form=form, event=event, user_id=registration.user_id).exists():
            raise LinkUsed(
                _("You have already answered this questionnaire, so this link no longer works. Thank you."),
                renewable=False,
            )
        return
    who = respondent_from_registration(form, registration)
    submission = existing_submission(form, event, who)
    if submission is None or not submission.is_submitted or submission.submitted_at is None:
        return
    made_at = datetime.fromtimestamp(made / 1000, tz=UTC) if isinstance(made, int) else None
    if made_at is None or submission.submitted_at >= made_at:
        renewable = form.editable_after_submit
        raise LinkUsed(
            _("Your answers were sent, so this link no longer works.")
            + " "
            + (
                _("To change them, ask for a new link: it is mailed to your address.")
                if renewable
                else _("This form's answers cannot be changed after sending.")
            ),
            renewable=renewable,
        )
