from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Local: receivers import models, which the registry loads only after ready() begins.
        from accounts.signals import member_invited
        from config.health import register_status_check
        from events.domain import domain_event
        from notifications.health import outbox_backlog
        from notifications.receivers import on_domain_event, on_member_invited

        domain_event.connect(on_domain_event, dispatch_uid="notifications.on_domain_event")
        member_invited.connect(on_member_invited, dispatch_uid="notifications.on_member_invited")
        register_status_check("outbox", outbox_backlog)
