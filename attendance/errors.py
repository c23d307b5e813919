from __future__ import annotations

from core.errors import UserError


class AttendanceError(UserError):
    """Refused check-in, code or import; str(error) is a message for the person."""
