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
        help_text=_(
            "A coordinator of the organization confirms that you belong to it; until then you can register for events open to everyone. An address on the organization's own mail domain is confirmed at once."
        ),
    )
    new_organization_name = forms.CharField(
        label=_("My organization is not listed"),
        max_length=200,
        required=False,
        help_text=_(
            "Its name, e.g. 草加市 福祉政策課. The platform administrators add it or find it for you."
        ),
    )
    new_organization_kind = forms.ChoiceField(
        label=_("Kind of your organization"),
        choices=Organization.Kind.choices,
        required=False,
        initial=Organization.Kind.MUNICIPALITY,
    )
    new_organization_prefecture = forms.CharField(
        label=_("Prefecture of your organization"),
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
            new_organization_kind=self.cleaned_data.get("new_organization_kind") or "",
            new_organization_prefecture=self.cleaned_data.get("new_organization_prefecture") or "",
            language=getattr(request, "LANGUAGE_CODE", "ja"),
        )


class ProfileForm(forms.ModelForm):
    full_name_kana = KanaField(label=_("Full name (kana)"), max_length=100)

    class Meta:
        model = User
        fields = ["full_name", "full_name_kana", "phone", "preferred_language", "receive_reminders"]


# --- memberships (accounts/membership.py) ----------------------------------------------------


class JoinForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        empty_label=_("— Choose your organization —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.select_related("parent")


class UnlistedForm(forms.Form):
    name = forms.CharField(
        label=_("Name of your organization"), max_length=200, help_text=_("e.g. 草加市 福祉政策課")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Organization.Kind.choices, initial=Organization.Kind.MUNICIPALITY
    )
    prefecture = forms.CharField(
        label=_("Prefecture"), max_length=10, required=False, help_text=_("e.g. 埼玉県")
    )
    note = forms.CharField(
        label=_("Note for the administrators"),
        max_length=300,
        required=False,
        help_text=_("e.g. the department above yours, or your work address."),
    )

    def clean_name(self):
        return normalize_name(self.cleaned_data["name"])


class DeclineMembershipForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the person in the mail that tells them the request was declined."),
    )


class OrganizationForRequestForm(forms.Form):
    """An administrator answers "not listed": an existing organization, or a new one."""

    organization = forms.ModelChoiceField(
        label=_("Existing organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— Create a new organization instead —"),
    )
    name = forms.CharField(label=_("Name of the new organization"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organization.Kind.choices, required=False)
    prefecture = forms.CharField(label=_("Prefecture"), max_length=10, required=False)
    parent = forms.ModelChoiceField(
        label=_("Parent organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— None (top level) —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("organization", "parent"):
            self.fields[name].queryset = Organization.objects.select_related("parent")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("organization"):
            if not normalize_name(cleaned.get("name") or ""):
                self.add_error("name", _("Choose an existing organization or enter the name of a new one."))
            if not cleaned.get("kind"):
                self.add_error("kind", _("Choose the kind of the organization."))
        return cleaned


class DomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Mail domain"),
        max_length=253,
        help_text=_("e.g. city.soka.saitama.jp. Addresses on it and on its subdomains are approved at once."),
    )
