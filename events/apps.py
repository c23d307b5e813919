from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and registration")

    def ready(self) -> None:
        from accounts.domain import membership_event  # reason: apps are loading

        membership_event.connect(_on_membership_event, dispatch_uid="events.on_membership_event")


def _on_membership_event(sender, name: str, **payload) -> None:
    """A coordinator's invitation for an event, accepted: register the person for it."""
    from accounts.domain import MEMBERSHIP_APPROVED  # reason: apps.py is imported before models
    from events.bulk_registration import register_on_acceptance  # reason: as above

    request = payload.get("request")
    if name == MEMBERSHIP_APPROVED and request is not None and request.invited_by_id and request.context:
        register_on_acceptance(request)
