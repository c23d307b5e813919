from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        help_text=_("To make sure it is you."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good and cannot be restored."),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # Invited and never set a password: the address they sign in with instead.
            self.fields["password"] = forms.EmailField(
                label=_("Your email address"), required=False, help_text=_("To make sure it is you.")
            )

    def clean_password(self):
        value = self.cleaned_data.get("password") or ""
        if not value:
            raise forms.ValidationError(_("Enter this to confirm."))
        if self.user.has_usable_password():
            if not self.user.check_password(value):
                raise forms.ValidationError(_("The password is not correct."))
        elif value.strip().lower() != self.user.email.lower():
            raise forms.ValidationError(_("This is not the address of your account."))
        return value

    def clean_confirm(self):
        if not self.cleaned_data.get("confirm"):
            raise forms.ValidationError(_("Tick this box to delete your account."))
        return True
