from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from records.models import CasebookIntro, CompletionRule


class RuleForm(forms.ModelForm):
    class Meta:
        model = CompletionRule
        fields = [
            "min_sessions",
            "min_minutes",
            "require_questionnaire",
            "require_prework",
            "document",
            "issuer_name",
            "signer",
            "seal_omitted",
        ]
        widgets = {
            "min_sessions": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "min_minutes": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "document": forms.RadioSelect,
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the certificate and in the audit trail."),
    )


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for issuing without completion"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed only when the person has not completed the training. Kept in the audit trail."),
    )


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=40,
        help_text=_("As printed on the certificate, e.g. 2021-7K3M9-QXP4D."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class NameCheckForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the holder"),
        max_length=100,
        help_text=_("Type the name printed on the certificate; this page says only whether it matches."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class IntroForm(forms.ModelForm):
    class Meta:
        model = CasebookIntro
        fields = ["title", "subtitle", "issuer", "issued_on", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 12})}
