from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        from accounts import mfa

        user_logged_in.connect(mfa.on_login, dispatch_uid="tsunagu_mfa_on_login")
        mfa_signals.authenticator_added.connect(mfa.on_authenticator_added, dispatch_uid="tsunagu_mfa_added")
        mfa_signals.authenticator_removed.connect(
            mfa.on_authenticator_removed, dispatch_uid="tsunagu_mfa_removed"
        )
        mfa_signals.authenticator_reset.connect(mfa.on_authenticator_reset, dispatch_uid="tsunagu_mfa_reset")
