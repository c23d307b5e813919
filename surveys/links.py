"""Mailed questionnaire links: each works until the form closes and only until answers
are sent with it (tokens.read_token). A person whose link was used asks for a fresh
one here; it is mailed to the address on their account, never shown on the page, so a
forwarded link cannot be turned into a new one for someone else's eyes.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from surveys import errors, tokens
from surveys.domain import questionnaire_link_requested


def request_new_link(token: str) -> None:
    """Mail a fresh link for the questionnaire the (used) token names, if it can be edited."""
    form, event, registration = tokens.read_token(token, allow_used=True)
    if form.anonymous:
        # An anonymous answer cannot be shown or changed, so a new link would do nothing.
        raise errors.SurveyError(_("You have already answered this questionnaire. Thank you."))
    if not form.editable_after_submit:
        raise errors.SurveyError(_("This form has already been submitted, and answers cannot be changed."))
    with transaction.atomic():
        questionnaire_link_requested.send(
            sender=request_new_link, form=form, event=event, registration=registration
        )
