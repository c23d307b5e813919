from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        # reason: receivers import models, which are not ready when apps.py is imported
        from accounts.lifecycle import account_deleted
        from privacy.erasure import on_account_deleted  # reason: as above

        account_deleted.connect(on_account_deleted, dispatch_uid="privacy.on_account_deleted")

        from accounts.lifecycle import data_export_requested  # reason: as above
        from privacy.export import on_export_requested  # reason: as above

        data_export_requested.connect(on_export_requested, dispatch_uid="privacy.on_export_requested")
