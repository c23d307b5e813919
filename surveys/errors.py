"""The surveys app's user error: str(error) is a message for the person, in their language."""

from __future__ import annotations

from core.errors import UserError


class SurveyError(UserError):
    """Refused; str(error) is a message for the person, in their language."""
