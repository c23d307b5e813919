"""Our forms. The allauth login form lives in accounts/login_form.py: allauth imports
this module while building its own sign-up form, so this one must not import allauth."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Organization, User
from accounts.normalize import is_kana, normalize_kana, normalize_name


class KanaField(forms.CharField):
    def clean(self, value):
        value = normalize_kana(super().clean(value) or "")
        if value and not is_kana(value):
            raise forms.ValidationError(_("Enter the reading in hiragana or katakana."), code="kana")
        return value


class OrganizationChoiceMixin(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— Choose your organization —"),
        help_text=_("If yours is not in the list, enter its name below instead."),
    )
    new_organization_name = forms.CharField(
        label=_("New organization name"),
        max_length=200,
        required=False,
        help_text=_("e.g. 草加市 福祉政策課"),
    )
    new_organization_kind = forms.ChoiceField(
        label=_("Kind of the new organization"),
        choices=Organization.Kind.choices,
        required=False,
        initial=Organization.Kind.MUNICIPALITY,
    )
    new_organization_prefecture = forms.CharField(
        label=_("Prefecture of the new organization"),
        max_length=10,
        required=False,
        help_text=_("e.g. 埼玉県"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.select_related("parent")

    def clean(self):
        cleaned = super().clean()
        org = cleaned.get("organization")
        new_name = normalize_name(cleaned.get("new_organization_name") or "")
        cleaned["new_organization_name"] = new_name
        if not org and not new_name:
            self.add_error("organization", _("Choose your organization, or enter the name of a new one."))
        if org and new_name:
            self.add_error(
                "new_organization_name",
                _("Either choose an organization from the list or enter a new one, not both."),
            )
        return cleaned


class SignupProfileForm(OrganizationChoiceMixin):
    """Extra fields on allauth's sign-up page: name, reading and organization."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=100,
        help_text=_("e.g. 草加 花子"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    full_name_kana = KanaField(
        label=_("Full name (kana)"),
        max_length=100,
        help_text=_("e.g. そうか はなこ"),
    )
    field_order = [
        "email",
        "full_name",
        "full_name_kana",
        "organization",
        "new_organization_name",
        "new_organization_kind",
        "new_organization_prefecture",
        "password1",
        "password2",
    ]

    def clean_full_name(self):
        return normalize_name(self.cleaned_data["full_name"])

    def signup(self, request, user: User) -> None:
        services.complete_signup_profile(
            user=user,
            full_name=self.cleaned_data["full_name"],
            full_name_kana=self.cleaned_data["full_name_kana"],
            organization=self.cleaned_data.get("organization"),
            new_organization_name=self.cleaned_data.get("new_organization_name") or "",
            new_organization_kind=self.cleaned_data.get("new_organization_kind") or Organization.Kind.OTHER,
            new_organization_prefecture=self.cleaned_data.get("new_organization_prefecture") or "",
            language=getattr(request, "LANGUAGE_CODE", "ja"),
        )


class ProfileForm(forms.ModelForm):
    full_name_kana = KanaField(label=_("Full name (kana)"), max_length=100)

    class Meta:
        model = User
        fields = ["full_name", "full_name_kana", "phone", "preferred_language", "receive_reminders"]
