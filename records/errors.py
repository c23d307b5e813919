"""The records app's refusal: str(error) is a message for the person who asked."""

from __future__ import annotations

from core.errors import UserError


class RecordsError(UserError):
    """A refused rule, issue, revocation or book; nothing was saved."""
