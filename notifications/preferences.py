"""A person's own settings for mail: reminders off, and renewing their secret links."""

from __future__ import annotations

import logging

from accounts.models import User, _calendar_token, _link_key
from events.models import Registration
from notifications.models import Outbox

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


def unsubscribe(user: User) -> User:
    """Reminders and announcements off; queued ones are withdrawn at send time."""
    if user.receive_reminders:
        user.receive_reminders = False
        user.save(update_fields=["receive_reminders"])
    return user


def renew_unsubscribe_links(user: User) -> None:
    """A new key for the person's unsubscribe links; every link mailed before stops at once."""
    user.unsubscribe_key = _link_key()
    user.save(update_fields=["unsubscribe_key"])


def renew_calendar_token(user: User) -> str:
    """A new secret for the personal feed; the old URL stops working at once."""
    user.calendar_token = _calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
