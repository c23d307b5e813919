from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import ReminderRule


class AnnouncementForm(forms.Form):
    group = forms.ChoiceField(label=_("Send to"), widget=forms.RadioSelect)
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text. The date, place and a link to the event page are added below it."),
    )
    # Fixed when the preview is shown: sending the same preview twice sends once.
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, groups: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups
        if not self.initial.get("group") and groups:
            self.initial["group"] = groups[0][0]

    def clean_subject(self) -> str:
        value = " ".join(self.cleaned_data["subject"].split())
        if not value:
            raise forms.ValidationError(_("Enter a subject."))
        return value

    def clean_body(self) -> str:
        value = self.cleaned_data["body"].strip()
        if not value:
            raise forms.ValidationError(_("Write the message."))
        return value

    def clean_nonce(self) -> str:
        value = self.cleaned_data.get("nonce") or ""
        try:
            return str(uuid.UUID(value))
        except ValueError:
            return str(uuid.uuid4())


class ReminderRuleForm(forms.Form):
    offset = forms.IntegerField(label=_("How many"), min_value=1, max_value=60)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=ReminderRule.Unit.choices, initial=ReminderRule.Unit.DAYS
    )
