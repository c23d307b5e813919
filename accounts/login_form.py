"""allauth's entrance forms, taught to accept addresses typed in full-width.

Kept apart from accounts/forms.py: allauth imports that module while it builds its
own sign-up form, so it must not import allauth's forms in turn.
"""

from allauth.account import forms as allauth_forms

from accounts.normalize import normalize_email


class NormalizeEmailInputMixin:
    email_fields = ("login", "email")

    def __init__(self, *args, **kwargs):
        # Normalise before field validation: an IME left in full-width mode sends
        # ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ, which the email field would reject outright.
        data = kwargs.get("data")
        if data is not None and any(name in data for name in self.email_fields):
            data = data.copy()
            for name in self.email_fields:
                if name in data:
                    data[name] = normalize_email(data[name])
            kwargs["data"] = data
        super().__init__(*args, **kwargs)


class LoginForm(NormalizeEmailInputMixin, allauth_forms.LoginForm):
    pass


class SignupForm(NormalizeEmailInputMixin, allauth_forms.SignupForm):
    pass


class ResetPasswordForm(NormalizeEmailInputMixin, allauth_forms.ResetPasswordForm):
    pass


class AddEmailForm(NormalizeEmailInputMixin, allauth_forms.AddEmailForm):
    pass
