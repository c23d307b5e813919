from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from reports.models import Engagement


class EngagementForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ["department", "trigger", "history", "awareness", "vision", "other_outcomes", "challenges"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        help_texts = {
            "history": _("One point per line."),
            "awareness": _("One point per line."),
            "other_outcomes": _("Outcomes not tied to one goal. One point per line."),
            "challenges": _("One point per line."),
        }


class GoalForm(forms.Form):
    text = forms.CharField(label=_("Goal for the end of the fiscal year"), max_length=1000, required=False)
    outcome = forms.CharField(
        label=_("Outcomes achieved"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One point per line."),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") and not data.get("text"):
            self.add_error("text", _("Write the goal these outcomes belong to."))
        return data


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Concrete activity"), max_length=300, required=False)
    series = forms.MultipleChoiceField(
        label=_("Series that carried it out"), required=False, widget=forms.CheckboxSelectMultiple
    )
    events = forms.MultipleChoiceField(
        label=_("Single events that carried it out"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, series_choices=(), event_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = series_choices
        self.fields["events"].choices = event_choices

    def clean(self):
        data = super().clean()
        if (data.get("series") or data.get("events")) and not data.get("title"):
            self.add_error("title", _("Name the activity these events belong to."))
        return data


GoalFormSet = formset_factory(GoalForm, extra=2, max_num=20, validate_max=True)
ActivityFormSet = formset_factory(ActivityForm, extra=1, max_num=20, validate_max=True)
