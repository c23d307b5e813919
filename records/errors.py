"""The records app's refusal: str(error) is a message for the person who asked."""

from __future__ import annotations


class RecordsError(Exception):
    """A refused rule, issue, revocation or book; nothing was saved."""
