from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed  # reason: apps are loading
        from allauth.mfa import signals as mfa_signals  # reason: apps are loading
        from django.contrib.auth.signals import user_logged_in

        from accounts import mfa  # reason: models are not ready when apps.py is imported

        email_confirmed.connect(_approve_on_confirmation, dispatch_uid="accounts.approve_on_confirmation")
        user_logged_in.connect(mfa.on_login, dispatch_uid="tsunagu_mfa_on_login")
        mfa_signals.authenticator_added.connect(mfa.on_authenticator_added, dispatch_uid="tsunagu_mfa_added")
        mfa_signals.authenticator_removed.connect(
            mfa.on_authenticator_removed, dispatch_uid="tsunagu_mfa_removed"
        )
        mfa_signals.authenticator_reset.connect(mfa.on_authenticator_reset, dispatch_uid="tsunagu_mfa_reset")


def _approve_on_confirmation(sender, request, email_address, **kwargs) -> None:
    """A confirmed address on an organization's verified domain approves the person's request."""
    from accounts import membership  # reason: models are not ready when apps.py is imported

    membership.approve_verified_addresses(user=email_address.user, email=email_address.email)
