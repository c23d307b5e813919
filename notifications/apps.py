from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from config.health import register_status_check  # in ready(): the app registry is loaded
        from events.domain import domain_event  # in ready(): connect once the registry is loaded
        from notifications.health import outbox_backlog  # in ready(): it imports the models
        from notifications.outbox import rows_due  # in ready(): it imports the models
        from notifications.receivers import on_domain_event  # in ready(): it imports the models
        from notifications.tasks import send_after_commit  # in ready(): it imports the models

        domain_event.connect(on_domain_event, dispatch_uid="notifications.on_domain_event")
        rows_due.connect(send_after_commit, dispatch_uid="notifications.send_after_commit")
        register_status_check("outbox", outbox_backlog)

        # reason: receivers import models, which are not ready when apps.py is imported
        from accounts.domain import membership_event
        from notifications.membership_mail import on_membership_event  # reason: as above

        membership_event.connect(on_membership_event, dispatch_uid="notifications.on_membership_event")

        # reason: receivers import models, which are not ready when apps.py is imported
        from notifications.surveys_bridge import on_link_requested
        from surveys.domain import questionnaire_link_requested  # reason: as above

        questionnaire_link_requested.connect(
            on_link_requested, dispatch_uid="notifications.on_link_requested"
        )
