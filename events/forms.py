from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.normalize import nfkc, normalize_email, normalize_name
from events import eligibility, hosts
from events.models import Event, EventSeries, ProgramItem, Registration, Speaker


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
            ) % {"names": "、".join(org.display_name for org in self.kept_hosts)}


class EventSeriesForm(HostsMixin, forms.ModelForm):
    class Meta:
        model = EventSeries
        fields = ["title", "description", "audience", "hosts"]

    def __init__(self, *args, organizations, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_hosts(organizations, editor=editor)


class EventForm(HostsMixin, forms.ModelForm):
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
            "speakers",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "doors_open_at": DateTimeInput(),
            "registration_opens_at": DateTimeInput(),
            "registration_closes_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "speakers": forms.CheckboxSelectMultiple(),
        }
        help_texts = {
            "doors_open_at": _("e.g. Zoom opens 15 minutes before the start."),
            "online_url": _("Shown only to confirmed registrants and organizers."),
            "capacity": _("Leave empty for no limit. When full, new registrations join the waitlist."),
            "registration_closes_at": _("Leave empty to close at the start of the event."),
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
        self.fields["speakers"].queryset = Speaker.objects.all()
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
        if (
            self.instance.pk
            and self.instance.status != Event.Status.DRAFT
            and mode in (Event.Mode.ONLINE, Event.Mode.HYBRID)
            and not cleaned.get("online_url")
        ):
            self.add_error("online_url", _("A published online event needs a join URL."))
        return cleaned


class ProgramItemForm(forms.ModelForm):
    class Meta:
        model = ProgramItem
        fields = ["starts_at", "ends_at", "title", "details", "speakers", "order"]
        widgets = {
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "details": forms.Textarea(attrs={"rows": 2}),
            "speakers": forms.CheckboxSelectMultiple(),
            "order": forms.NumberInput(attrs={"min": 0}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


ProgramFormSet = inlineformset_factory(
    Event, ProgramItem, form=ProgramItemForm, extra=2, can_delete=True, can_order=False
)


class SpeakerForm(forms.ModelForm):
    class Meta:
        model = Speaker
        fields = ["name", "name_kana", "affiliation", "title"]


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


class NextSessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class EventFilterForm(forms.Form):
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
