from allauth.account.adapter import DefaultAccountAdapter

from accounts.normalize import normalize_email


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        return super().clean_email(normalize_email(email))
