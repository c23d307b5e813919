from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupworkConfig(AppConfig):
    name = "groupwork"
    verbose_name = _("Group work, materials and questions")

    def ready(self) -> None:
        from events.domain import domain_event  # reason: ready() runs once the registry is loaded

        # reason: the receivers import models, which needs the loaded app registry
        from groupwork.receivers import on_domain_event

        domain_event.connect(on_domain_event, dispatch_uid="groupwork.on_domain_event")
