from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed  # reason: apps are loading

        email_confirmed.connect(_approve_on_confirmation, dispatch_uid="accounts.approve_on_confirmation")


def _approve_on_confirmation(sender, request, email_address, **kwargs) -> None:
    """A confirmed address on an organization's verified domain approves the person's request."""
    from accounts import membership  # reason: models are not ready when apps.py is imported

    membership.approve_verified_addresses(user=email_address.user, email=email_address.email)
