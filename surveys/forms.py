"""Builder forms. Answer pages are rendered from the form's own structure (see
surveys.parsing.parse), since their fields are defined by the organizer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.normalize import nfkc
from surveys import anonymity
from surveys.building import FORM_FIELDS
from surveys.models import Form, Question, Section
from surveys.starters import STARTERS


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class StarterForm(forms.Form):
    starter = forms.ChoiceField(label=_("Template"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starter"].choices = [(s.key, s.name) for s in STARTERS.values()]


class FormSettingsForm(forms.ModelForm):
    class Meta:
        model = Form
        fields = list(FORM_FIELDS)  # the fields update_form accepts
        widgets = {
            "results_release": forms.RadioSelect,
            "opens_at": DateTimeInput(),
            "closes_at": DateTimeInput(),
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The database refuses below 3 too; here the organizer gets the reason beside the field.
        self.fields["min_responses"].widget.attrs["min"] = anonymity.MIN_K
        # Only anonymous questionnaires use these two; left out, they keep their value.
        self.fields["min_responses"].required = False
        self.fields["results_release"].required = False
        if self.instance.kind != Form.Kind.PREWORK:
            del self.fields["share_with_group"]

    def clean_min_responses(self):
        value = self.cleaned_data.get("min_responses")
        if value is None:
            return self.instance.min_responses
        try:
            return anonymity.validate_k(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_results_release(self):
        return self.cleaned_data.get("results_release") or self.instance.results_release

    def clean(self):
        data = super().clean()
        if data.get("anonymous") and (
            self.instance.kind != Form.Kind.QUESTIONNAIRE
            or data.get("respondent") == Form.Respondent.ORGANIZATION
        ):
            self.add_error("anonymous", _("Only questionnaires answered by each person can be anonymous."))
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The due date must come after the opening date."))
        return data


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["title", "description", "repeatable", "min_repeats", "max_repeats"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("repeatable"):
            low, high = data.get("min_repeats") or 0, data.get("max_repeats") or 0
            if high < 1 or high < low:
                self.add_error("max_repeats", _("“At most” must be at least 1 and not less than “at least”."))
        return data


class LooseDecimalField(forms.DecimalField):
    """Accepts full-width digits and thousands separators (１，０００)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = nfkc(value).replace(",", "")
        return super().to_python(value)


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One choice per line. Choices that already have answers must stay as they are."),
    )
    allow_other = forms.BooleanField(label=_("Add “その他（自由記述）” with a text box"), required=False)
    min_value = LooseDecimalField(label=_("minimum"), required=False, max_digits=20, decimal_places=6)
    max_value = LooseDecimalField(label=_("maximum"), required=False, max_digits=20, decimal_places=6)

    class Meta:
        model = Question
        fields = [
            "label",
            "help_text",
            "type",
            "required",
            "choices_text",
            "allow_other",
            "unit",
            "min_value",
            "max_value",
            "scale_min_label",
            "scale_max_label",
            "breakdown",
        ]
        widgets = {"help_text": forms.Textarea(attrs={"rows": 2}), "label": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            choices = list(self.instance.choices.all())
            self.fields["choices_text"].initial = "\n".join(c.label for c in choices if not c.is_other)
            self.fields["allow_other"].initial = any(c.is_other for c in choices)

    def clean(self):
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The minimum must not be larger than the maximum."))
        if data.get("breakdown") and data.get("type") != Question.Type.SINGLE_CHOICE:
            self.add_error("breakdown", _("Only a one-choice question can be used to break down results."))
        return data

    def service_data(self) -> tuple[dict, list[str]]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "choices_text"}
        lines = (self.cleaned_data.get("choices_text") or "").splitlines()
        return data, lines
