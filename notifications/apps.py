from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from events.domain import domain_event
        from notifications.receivers import on_domain_event

        domain_event.connect(on_domain_event, dispatch_uid="notifications.on_domain_event")

        from accounts.domain import membership_event
        from notifications.membership_mail import on_membership_event

        membership_event.connect(on_membership_event, dispatch_uid="notifications.on_membership_event")
