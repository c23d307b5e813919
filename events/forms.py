from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.normalize import nfkc, normalize_email, normalize_name
from core.dates import list_join
from events import eligibility, hosts
from events.models import Event, EventSeries, Registration, Speaker, SpeakerRole


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class HostsMixin:
    """Hosts are limited to the organizations the organizer runs events for."""

    def limit_hosts(self, organizations, *, editor=None):
        self.fields["hosts"].queryset = organizations
        self.fields["hosts"].widget = forms.CheckboxSelectMultiple()
        self.fields["hosts"].widget.choices = self.fields["hosts"].choices
        if organizations.count() == 1 and not self.initial.get("hosts") and not self.instance.pk:
            self.initial["hosts"] = list(organizations)
        self.kept_hosts = []
        if self.instance.pk and editor is not None:
            self.kept_hosts = hosts.kept(self.instance.hosts.all(), by=editor)
        if self.kept_hosts:
            self.fields["hosts"].help_text = _(
                "Also hosted by %(names)s: kept as they are when you save (you do not run their events)."
            ) % {"names": list_join(org.display_name for org in self.kept_hosts)}


PROGRAM_TIMES = [
    ("move", _("Move the program with the event (the same minutes from the start)")),
    ("keep", _("Keep the program's clock times")),
]


class ProgramTimesMixin:
    """When the start moves, the organizer sees the program at its new times and chooses."""

    def add_program_times(self):
        self.fields["program_times"] = forms.ChoiceField(
            label=_("The program when the start moves"),
            choices=PROGRAM_TIMES,
            initial="move",
            required=False,
            widget=forms.RadioSelect(),
        )


class EventSeriesForm(HostsMixin, forms.ModelForm):
    class Meta:
        model = EventSeries
        fields = [
            "title",
            "description",
            "audience",
            "hosts",
            "contact_department",
            "contact_person",
            "contact_phone",
            "contact_email",
        ]
        help_texts = {
            "contact_department": _(
                "The contact is shown on every session's page, in every mail and in the invite."
            ),
        }

    def __init__(self, *args, organizations, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_hosts(organizations, editor=editor)


ALARM_CHOICES = [
    (7 * 24 * 60, _("1 week before")),
    (24 * 60, _("1 day before")),
    (3 * 60, _("3 hours before")),
    (60, _("1 hour before")),
    (30, _("30 minutes before")),
    (15, _("15 minutes before")),
]


class EventForm(ProgramTimesMixin, HostsMixin, forms.ModelForm):
    invite_alarms = forms.TypedMultipleChoiceField(
        label=_("Calendar reminders in the invite"),
        choices=ALARM_CHOICES,
        coerce=int,
        required=False,
        initial=[24 * 60, 30],
        widget=forms.CheckboxSelectMultiple(),
        help_text=_("The registrant's calendar reminds them at these times (none: no reminder)."),
    )

    class Meta:
        model = Event
        fields = [
            "series",
            "number",
            "title",
            "kind",
            "attendance_mode",
            "starts_at",
            "ends_at",
            "doors_open_at",
            "venue_name",
            "venue_address",
            "online_url",
            "online_meeting_id",
            "online_passcode",
            "audience",
            "description",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "requires_approval",
            "eligibility",
            "quota_per_organization",
            "hosts",
            "contact_department",
            "contact_person",
            "contact_phone",
            "contact_email",
            "invite_alarms",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "doors_open_at": DateTimeInput(),
            "registration_opens_at": DateTimeInput(),
            "registration_closes_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "doors_open_at": _("e.g. Zoom opens 15 minutes before the start."),
            "online_url": _("Shown only to confirmed registrants and organizers."),
            "capacity": _("Leave empty for no limit. When full, new registrations join the waitlist."),
            "registration_closes_at": _("Leave empty to close at the start of the event."),
            "contact_department": _("Leave the contact empty to use the series' contact."),
        }

    invited_organizations = forms.ModelMultipleChoiceField(
        label=_("Invited organizations"),
        queryset=Organization.objects.none(),
        required=False,
        # Checkboxes in a fieldset with a legend, like the hosts (a multiple <select> has no label here).
        widget=forms.CheckboxSelectMultiple(),
        help_text=_(
            "For “by invitation only”: the staff of these organizations (with their departments) may register."
        ),
    )
    invited_emails = forms.CharField(
        label=_("Invited people"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "email", "autocomplete": "off"}),
        help_text=_("For “by invitation only”: one email address per line."),
    )

    def __init__(self, *args, organizations, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_hosts(organizations, editor=editor)
        self.fields["invited_organizations"].queryset = Organization.objects.select_related("parent")
        self.fields["eligibility"].required = False
        if self.instance.pk:
            invitees = list(self.instance.invitees.all())
            self.initial.setdefault(
                "invited_organizations", [i.organization_id for i in invitees if i.organization_id]
            )
            self.initial.setdefault("invited_emails", "\n".join(i.email for i in invitees if i.email))
        self.fields["series"].queryset = EventSeries.objects.filter(hosts__in=organizations).distinct()
        if self.instance.pk:
            self.add_program_times()
        self.fields["capacity"].widget.attrs["min"] = 0
        self.fields["capacity"].error_messages["min_value"] = _("Capacity cannot be negative.")

    def clean_eligibility(self):
        # Left out of a post (an older form, a script): the default, open to everyone.
        return self.cleaned_data.get("eligibility") or Event.Eligibility.OPEN

    def clean_invited_emails(self):
        emails = []
        for number, line in enumerate((self.cleaned_data.get("invited_emails") or "").splitlines(), start=1):
            email = normalize_email(line)
            if not email:
                continue
            try:
                forms.EmailField().clean(email)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("Line %(number)s: %(email)s is not a valid email address.")
                    % {"number": number, "email": email}
                ) from None
            emails.append(email)
        return emails

    def clean_capacity(self):
        value = self.cleaned_data.get("capacity")
        if value is not None and value < 0:
            raise forms.ValidationError(_("Capacity cannot be negative."))
        return value

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        doors = cleaned.get("doors_open_at")
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if starts and doors and doors > starts:
            self.add_error("doors_open_at", _("Doors must open before the start."))
        if starts and closes and closes > starts:
            self.add_error("registration_closes_at", _("Registration must close before the event starts."))
        if opens and closes and opens >= closes:
            self.add_error("registration_opens_at", _("Registration must open before it closes."))
        quota_error = eligibility.check_quota_setting(
            capacity=cleaned.get("capacity"), quota=cleaned.get("quota_per_organization")
        )
        if quota_error:
            self.add_error("quota_per_organization", quota_error)
        mode = cleaned.get("attendance_mode")
        if mode in (Event.Mode.IN_PERSON, Event.Mode.HYBRID) and not cleaned.get("venue_name"):
            self.add_error("venue_name", _("Enter the venue of an in-person event."))
        if cleaned.get("series") and not cleaned.get("number"):
            self.add_error("number", _("Give the session number within the series (第N回)."))
        if "invite_alarms" in cleaned:
            cleaned["invite_alarms"] = sorted(set(cleaned["invite_alarms"] or []), reverse=True)
        if (
            self.instance.pk
            and self.instance.status != Event.Status.DRAFT
            and mode in (Event.Mode.ONLINE, Event.Mode.HYBRID)
            and not cleaned.get("online_url")
        ):
            self.add_error("online_url", _("A published online event needs a join URL."))
        return cleaned


class RowForm(forms.Form):
    """A row of an ordered formset: a blank row whose order number the script filled in
    is still blank (neither validated nor saved)."""

    def has_changed(self) -> bool:
        return any(name not in ("ORDER", "DELETE") for name in self.changed_data)


class ProgramRowForm(RowForm):
    """One row of the program editor: 時間・内容・詳細 and its speakers."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput())
    starts_at = forms.TimeField(label=_("Time"), widget=TimeInput())
    ends_at = forms.TimeField(label=_("Until"), required=False, widget=TimeInput())
    title = forms.CharField(
        label=_("Content"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Several lines are kept as written (・講師より事例紹介 …)."),
    )
    details = forms.CharField(
        label=_("Details or purpose"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    speakers = forms.TypedMultipleChoiceField(
        label=_("Speakers"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple()
    )

    def __init__(self, *args, speaker_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speakers"].choices = speaker_choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class BaseRowFormSet(forms.BaseFormSet):
    """Rows in the order posted (ORDER), removed with DELETE; blank extra rows are ignored."""

    def ordered_rows(self) -> list[dict]:
        rows = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        rows = [f for f in rows if f.is_valid()]
        position = {id(f): i for i, f in enumerate(self.forms)}
        rows.sort(key=lambda f: (f.cleaned_data.get("ORDER") or 10_000 + position[id(f)], position[id(f)]))
        return [f.cleaned_data for f in rows]


ProgramFormSet = forms.formset_factory(
    ProgramRowForm, formset=BaseRowFormSet, extra=1, can_delete=True, can_order=True, max_num=200
)


class SpeakerLineForm(RowForm):
    """One speaker of the event: chosen from those already known, or typed in as new."""

    speaker = forms.ModelChoiceField(
        label=_("Speaker"), required=False, queryset=Speaker.objects.all(), empty_label=_("— a new speaker —")
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    affiliation = forms.CharField(label=_("Affiliation"), required=False, max_length=200)
    title = forms.CharField(label=_("Title"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), choices=SpeakerRole.choices, initial=SpeakerRole.LECTURER)

    def clean(self):
        cleaned = super().clean()
        typed = any((cleaned.get(k) or "").strip() for k in ("affiliation", "title"))
        if not cleaned.get("speaker") and not (cleaned.get("name") or "").strip() and typed:
            self.add_error("name", _("Choose a speaker or type the new speaker's name."))
        if cleaned.get("name"):
            cleaned["name"] = normalize_name(cleaned["name"])
        return cleaned


SpeakerFormSet = forms.formset_factory(
    SpeakerLineForm, formset=BaseRowFormSet, extra=1, can_delete=True, can_order=True, max_num=50
)


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancellation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to every registrant with the cancellation."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the person in the mail that tells them the registration was declined."),
    )


class NextSessionForm(ProgramTimesMixin, forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_program_times()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class EventFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Title, series, description, venue or lecturer"),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Event.Kind.choices])
    mode = forms.ChoiceField(
        label=_("Attendance mode"), required=False, choices=[("", _("All")), *Event.Mode.choices]
    )
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("e.g. 2026-12"),
    )
    host = forms.ModelChoiceField(
        label=_("Host"), required=False, queryset=Organization.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Organization.objects.filter(hosted_events__isnull=False).distinct()

    def clean_month(self):
        value = nfkc(self.cleaned_data.get("month") or "")
        if not value:
            return None
        try:
            year, month = (int(p) for p in value.replace("/", "-").split("-")[:2])
            if not 1 <= month <= 12:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None
        return year, month


class RegistrationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), required=False, queryset=Organization.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *Registration.Status.choices]
        self.fields["organization"].queryset = Organization.objects.filter(
            registrations__event=event
        ).distinct()


class BulkRegisterForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Staff of your organization"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple(),
    )
    new_people = forms.CharField(
        label=_("People without an account"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One person per line: name, email (e.g. 草加 花子, hanako@example.jp). Each receives an invitation by mail."
        ),
    )

    def __init__(self, *args, organization_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = (
            User.objects.filter(memberships__organization_id__in=organization_ids, is_active=True)
            .distinct()
            .order_by("full_name_kana", "email")
        )

    def clean_new_people(self):
        people = []
        for number, line in enumerate((self.cleaned_data.get("new_people") or "").splitlines(), start=1):
            line = nfkc(line).replace("、", ",").replace("，", ",")
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 2 or not parts[0] or "@" not in parts[1]:
                raise forms.ValidationError(
                    _("Line %(number)s: write a name and an email separated by a comma.") % {"number": number}
                )
            email = normalize_email(parts[1])
            try:
                forms.EmailField().clean(email)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("Line %(number)s: %(email)s is not a valid email address.")
                    % {"number": number, "email": email}
                ) from None
            people.append((normalize_name(parts[0]), email))
        return people

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("members") and not cleaned.get("new_people") and not self.errors:
            raise forms.ValidationError(_("Choose at least one person or enter a new one."))
        return cleaned
