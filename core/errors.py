"""The one error a service raises when a person asked for something the rules refuse.

`str(error)` is written for people (translated, Japanese first): a view shows it beside
the form or as a message, and nothing was saved. Access is refused with Django's own
`django.core.exceptions.PermissionDenied`, which Django turns into a 403 page.
Each app subclasses `UserError` so a view can catch its own app's errors by name.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal whose message is for the person who asked."""
