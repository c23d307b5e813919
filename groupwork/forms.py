from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from groupwork.models import GroupPlan, Material, PairRule


class GroupSettingsForm(forms.Form):
    MODE_CHOICES = (("size", _("People per group")), ("count", _("Number of groups")))

    mode = forms.ChoiceField(
        label=_("Form the groups by"), choices=MODE_CHOICES, widget=forms.RadioSelect, initial="size"
    )
    number = forms.IntegerField(
        label=_("People per group, or number of groups"),
        min_value=1,
        max_value=500,
        error_messages={"min_value": _("Give 1 or more.")},
    )
    max_per_organization = forms.IntegerField(
        label=_("At most this many from one organization per group"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Empty: no limit. Departments count as their municipality."),
        error_messages={"min_value": _("Give 1 or more, or leave it empty.")},
    )
    spread_kinds = forms.BooleanField(
        label=_("Spread kinds of organization (市役所, 社協, 医療, NPO …)"), required=False, initial=True
    )
    spread_roles = forms.BooleanField(label=_("Spread job roles"), required=False, initial=True)
    facilitators = forms.BooleanField(
        label=_("One facilitator per group (from the people marked as facilitators)"), required=False
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=1,
        max_value=10**9,
        required=False,
        help_text=_("The same seed and the same people give the same groups. Empty: a new one."),
    )
    reshuffle = forms.BooleanField(
        label=_("Also move the people already in a group (form everyone's groups again)"), required=False
    )

    @classmethod
    def for_plan(cls, plan: GroupPlan | None, data=None) -> GroupSettingsForm:
        initial = {}
        if plan is not None and (plan.group_size or plan.group_count):
            initial = {
                "mode": "count" if plan.group_count else "size",
                "number": plan.group_count or plan.group_size,
                "max_per_organization": plan.max_per_organization,
                "spread_kinds": plan.spread_kinds,
                "spread_roles": plan.spread_roles,
                "facilitators": plan.facilitators,
                "seed": plan.seed,
            }
        else:
            initial = {"mode": "size", "number": 5, "max_per_organization": 1}
        return cls(data=data, initial=initial)

    def settings(self) -> dict:
        data = self.cleaned_data
        return {
            "group_size": data["number"] if data["mode"] == "size" else None,
            "group_count": data["number"] if data["mode"] == "count" else None,
            "max_per_organization": data.get("max_per_organization"),
            "spread_kinds": data.get("spread_kinds"),
            "spread_roles": data.get("spread_roles"),
            "facilitators": data.get("facilitators"),
            "seed": data.get("seed"),
        }


class PairRuleForm(forms.Form):
    first = forms.TypedChoiceField(label=_("Person"), coerce=int)
    second = forms.TypedChoiceField(label=_("and"), coerce=int)
    kind = forms.ChoiceField(label=_("Rule"), choices=PairRule.Kind.choices, widget=forms.RadioSelect)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(row.user_id, f"{row.name}（{row.organization or '—'}）") for row in people]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices
        self.fields["first"].widget.attrs["autocomplete"] = "off"
        self.fields["second"].widget.attrs["autocomplete"] = "off"
        self.initial.setdefault("kind", PairRule.Kind.TOGETHER)


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    program_item = forms.TypedChoiceField(
        label=_("Program item"), required=False, coerce=int, empty_value=None
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, images, or Excel, Word or PowerPoint files."),
    )
    url = forms.URLField(
        label=_("Or a link (for example the recording)"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    audience = forms.ChoiceField(
        label=_("Who may see it"), choices=Material.Audience.choices, widget=forms.RadioSelect
    )
    visible_from = forms.ChoiceField(
        label=_("Visible from"), choices=Material.Visible.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, program=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program_item"].choices = [("", _("The whole event"))] + [
            (item.pk, f"{item.starts_at:%H:%M} {item.title.splitlines()[0][:60]}") for item in program
        ]
        self.initial.setdefault("audience", Material.Audience.REGISTRANTS)
        self.initial.setdefault("visible_from", Material.Visible.NOW)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class QuestionBoxForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("Deadline for questions"), widget=DateTimeInput())
    program_item = forms.TypedChoiceField(
        label=_("Agenda item the questions are for"), required=False, coerce=int, empty_value=None
    )
    instructions = forms.CharField(
        label=_("Instructions for the askers"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, program=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program_item"].choices = [("", "—")] + [
            (item.pk, f"{item.starts_at:%H:%M} {item.title.splitlines()[0][:60]}") for item in program
        ]


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    as_key = forms.ChoiceField(label=_("Sent by"), widget=forms.RadioSelect)
    show_organization = forms.BooleanField(
        label=_("Publish the question with the name of my municipality"), required=False, initial=True
    )

    def __init__(self, *args, askers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for asker in askers:
            if asker.on_behalf:
                label = _("For %(organization)s (as its coordinator)") % {
                    "organization": asker.organization.name
                }
            else:
                label = _("Myself")
            choices.append((asker.key, label))
        self.fields["as_key"].choices = choices
        self.initial.setdefault("as_key", choices[0][0] if choices else "self")
        if len(choices) == 1:
            self.fields["as_key"].widget = forms.HiddenInput()


class ShareUntilForm(forms.Form):
    share_until = forms.DateTimeField(
        label=_("Shared pre-work sheets can be read until"),
        required=False,
        widget=DateTimeInput(),
        help_text=_(
            "The end of the event's follow-up period. Empty: the default number of days after the event."
        ),
    )
