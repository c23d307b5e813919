from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupworkConfig(AppConfig):
    name = "groupwork"
    verbose_name = _("Group work, materials and questions")

    def ready(self) -> None:
        from events.domain import domain_event  # reason: apps load before their modules may import models
        from groupwork.receivers import (
            on_domain_event,
        )  # reason: it imports models (registry not ready at import)

        domain_event.connect(on_domain_event, dispatch_uid="groupwork.on_domain_event")
