from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.errors import UserError


class TransitionError(UserError):
    """A state change the model does not allow; the message is for people."""


def _code() -> str:
    # Six digits, easy to read aloud in a Zoom session and to type on a phone.
    return f"{secrets.randbelow(10**6):06d}"


def _token() -> str:
    return secrets.token_urlsafe(18)


class Speaker(models.Model):
    """講師: named on programs, with affiliation and title as the casebook prints them."""

    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="speaker_profiles",
    )

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name_kana", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display(self) -> str:
        parts = " ".join(p for p in (self.affiliation, self.title) if p)
        return f"{self.name}（{parts}）" if parts else self.name


class EventSeries(models.Model):
    """地域共生社会の実現に向けた人材育成研修 — sessions 第1回, 第2回 … share it."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    hosts = models.ManyToManyField(Organization, verbose_name=_("host organizations"), related_name="series")
    speakers = models.ManyToManyField(Speaker, verbose_name=_("speakers"), blank=True, related_name="series")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:series_detail", args=[self.pk])


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(
            status__in=[Event.Status.PUBLISHED, Event.Status.COMPLETED, Event.Status.CANCELLED]
        )

    def visible_to_public(self):
        return self.exclude(status=Event.Status.DRAFT)

    def upcoming(self):
        return self.filter(status=Event.Status.PUBLISHED, ends_at__gte=timezone.now())

    def hosted_by(self, organization_ids):
        return self.filter(hosts__in=organization_ids).distinct()


class Eligibility(models.TextChoices):
    OPEN = "open", _("Everyone")
    HOST_MEMBERS = "host_members", _("Staff of the host organizations")
    PARTICIPATING = "participating", _("Staff of the participating organizations")
    INVITATION = "invitation", _("By invitation only")


class Event(models.Model):
    Eligibility = Eligibility

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        STUDY_SESSION = "study_session", _("Study session")
        EXCHANGE_MEETING = "exchange_meeting", _("Exchange meeting")
        WORKSHOP = "workshop", _("Case-study workshop")
        FIELDWORK = "fieldwork", _("Fieldwork")

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # Which status may follow which; everything else raises TransitionError.
    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
        Status.PUBLISHED: {Status.COMPLETED, Status.CANCELLED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    }
    # Fields whose change makes existing calendar invites stale.
    REVISION_FIELDS = (
        "starts_at",
        "ends_at",
        "doors_open_at",
        "attendance_mode",
        "venue_name",
        "venue_address",
        "online_url",
        "online_meeting_id",
        "online_passcode",
    )

    series = models.ForeignKey(
        EventSeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    number = models.PositiveSmallIntegerField(_("session number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TRAINING)
    attendance_mode = models.CharField(
        _("attendance mode"), max_length=20, choices=Mode.choices, default=Mode.ONLINE
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    hosts = models.ManyToManyField(
        Organization, verbose_name=_("host organizations"), related_name="hosted_events"
    )
    speakers = models.ManyToManyField(Speaker, verbose_name=_("speakers"), blank=True, related_name="events")

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    doors_open_at = models.DateTimeField(_("doors open at"), null=True, blank=True)
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.CharField(_("venue address"), max_length=300, blank=True)
    online_url = models.URLField(_("join URL"), max_length=500, blank=True)
    online_meeting_id = models.CharField(_("meeting ID"), max_length=50, blank=True)
    online_passcode = models.CharField(_("passcode"), max_length=50, blank=True)

    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    requires_approval = models.BooleanField(_("registrations need approval"), default=False)
    # Who may register (events/eligibility.py) and how many seats one organization may take.
    eligibility = models.CharField(
        _("who may register"), max_length=20, choices=Eligibility.choices, default=Eligibility.OPEN
    )
    quota_per_organization = models.PositiveIntegerField(
        _("seats per organization"),
        null=True,
        blank=True,
        help_text=_("e.g. 5: at most five people per municipality; the others wait in their own order."),
    )

    # 参加者数 ※申込時点: kept once the deadline passes, so later cancellations do not
    # rewrite what the report says.
    count_at_deadline = models.PositiveIntegerField(_("registrations at the deadline"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=1, editable=False)
    attendance_code = models.CharField(_("attendance code"), max_length=12, default=_code)
    checkin_token = models.CharField(max_length=40, default=_token, unique=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.UniqueConstraint("series", "number", name="event_unique_number_in_series"),
            # A quota larger than the capacity means nothing; refused by the database too.
            models.CheckConstraint(
                condition=Q(quota_per_organization__isnull=True)
                | Q(capacity__isnull=True)
                | Q(quota_per_organization__lte=models.F("capacity")),
                name="event_quota_within_capacity",
                violation_error_message=_("The seats per organization cannot exceed the capacity."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    def get_manage_url(self) -> str:
        return reverse("events:manage_event", args=[self.pk])

    @property
    def number_label(self) -> str:
        return gettext("Session %(number)s") % {"number": self.number} if self.number else ""

    @property
    def display_title(self) -> str:
        """地域共生社会の実現に向けた人材育成研修 第1回 — or the event's own title."""
        if self.series_id and self.number:
            return f"{self.title} {self.number_label}"
        return self.title

    # --- state -----------------------------------------------------------------
    def _move_to(self, status: str) -> None:
        if status == self.status:
            return
        if status not in self.TRANSITIONS[self.status]:
            raise TransitionError(
                gettext("An event that is %(current)s cannot become %(target)s.")
                % {"current": self.get_status_display(), "target": Event.Status(status).label}
            )
        self.status = status

    def publish(self) -> None:
        if self.attendance_mode in (self.Mode.ONLINE, self.Mode.HYBRID) and not self.online_url:
            raise TransitionError(gettext("An online event needs a join URL before it is published."))
        if self.attendance_mode in (self.Mode.IN_PERSON, self.Mode.HYBRID) and not self.venue_name:
            raise TransitionError(gettext("An in-person event needs a venue before it is published."))
        self._move_to(self.Status.PUBLISHED)

    def complete(self) -> None:
        self._move_to(self.Status.COMPLETED)

    def cancel(self, reason: str) -> None:
        if not reason.strip():
            raise TransitionError(
                gettext("Give a reason for the cancellation; it is sent to every registrant.")
            )
        self._move_to(self.Status.CANCELLED)
        self.cancel_reason = reason.strip()
        self.cancelled_at = timezone.now()

    # --- derived -----------------------------------------------------------------
    @property
    def is_online(self) -> bool:
        return self.attendance_mode in (self.Mode.ONLINE, self.Mode.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.attendance_mode in (self.Mode.IN_PERSON, self.Mode.HYBRID)

    @property
    def location_label(self) -> str:
        if self.attendance_mode == self.Mode.ONLINE:
            return gettext("Online")
        if self.attendance_mode == self.Mode.HYBRID:
            return gettext("%(venue)s and online") % {"venue": self.venue_name}
        return self.venue_name

    def registration_window_state(self, now=None) -> str:
        """'open', 'not_yet', 'closed', 'cancelled', 'finished' or 'draft'."""
        now = now or timezone.now()
        if self.status == self.Status.CANCELLED:
            return "cancelled"
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.status == self.Status.COMPLETED or self.ends_at <= now:
            return "finished"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet"
        closes = self.registration_closes_at or self.starts_at
        if now >= closes:
            return "closed"
        return "open"


class ParticipatingOrganization(models.Model):
    """An exchange meeting's participants are municipalities with their departments."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participating_organizations")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    departments = models.CharField(_("departments"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("participating organization")
        verbose_name_plural = _("participating organizations")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint("event", "organization", name="participating_org_unique")]

    def __str__(self) -> str:
        return f"{self.organization}（{self.departments}）" if self.departments else str(self.organization)


class EventInvitee(models.Model):
    """Who an invitation-only event is for: an organization (with its departments) or an
    address (matched against the person's confirmed addresses, so the organizer learns
    nothing about which addresses have accounts)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitees")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(_("email address"), blank=True)

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        constraints = [
            models.CheckConstraint(
                condition=(Q(organization__isnull=False) & Q(email=""))
                | (Q(organization__isnull=True) & ~Q(email="")),
                name="event_invitee_one_kind",
            ),
            models.UniqueConstraint(
                "event",
                "organization",
                name="event_invitee_unique_org",
                condition=Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                "event", "email", name="event_invitee_unique_email", condition=~Q(email="")
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization) if self.organization_id else self.email


class ProgramItem(models.Model):
    """One row of the timetable: 時間・内容・詳細."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="program_items")
    starts_at = models.TimeField(_("time"))
    ends_at = models.TimeField(_("until"), null=True, blank=True)
    title = models.CharField(_("content"), max_length=300)
    details = models.TextField(_("details or purpose"), blank=True)
    speakers = models.ManyToManyField(
        Speaker, verbose_name=_("speakers"), blank=True, related_name="program_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("program item")
        verbose_name_plural = _("program items")
        ordering = ["order", "starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M} {self.title}"


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Registration.ACTIVE)

    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=Registration.Status.WAITLISTED).order_by("created_at", "id")


class Registration(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("Not recorded")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")
        LEFT_EARLY = "left_early", _("Left early")

    ACTIVE = (Status.REQUESTED, Status.CONFIRMED, Status.WAITLISTED)
    TRANSITIONS = {
        Status.REQUESTED: {Status.CONFIRMED, Status.DECLINED, Status.CANCELLED, Status.WAITLISTED},
        Status.WAITLISTED: {Status.CONFIRMED, Status.CANCELLED, Status.DECLINED},
        Status.CONFIRMED: {Status.CANCELLED},
        Status.CANCELLED: set(),
        Status.DECLINED: set(),
    }

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    # PROTECT: history is never deleted with a person or an organization; an account is
    # pseudonymized instead (accounts.lifecycle), so past figures stay as they were.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization at the time"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Why an organizer declined (the person reads it in the mail).
    decision_reason = models.TextField(_("reason"), blank=True)

    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    attendance_minutes = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Wrong attendance codes typed by this person for this event, counted from the first
    # one (attendance/code_attempts.py). Kept on the row that is locked while the code is
    # checked, so parallel guesses are counted one after another and a cache outage
    # cannot lift the limit.
    code_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    code_failures_since = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            # One active registration per person and event: the database, not the view,
            # refuses a double submit or two racing requests.
            models.UniqueConstraint(
                "event",
                "user",
                condition=Q(status__in=["requested", "confirmed", "waitlisted"]),
                name="registration_one_active_per_user",
            )
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return self.event.get_absolute_url()

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def move_to(self, status: str) -> None:
        if status == self.status:
            return
        if status not in self.TRANSITIONS[self.status]:
            raise TransitionError(
                gettext("A registration that is %(current)s cannot become %(target)s.")
                % {"current": self.get_status_display(), "target": Registration.Status(status).label}
            )
        self.status = status
        now = timezone.now()
        if status == self.Status.CONFIRMED:
            self.confirmed_at = now
        elif status in (self.Status.CANCELLED, self.Status.DECLINED):
            self.cancelled_at = now

    def waitlist_position(self) -> int | None:
        """Place in the queue, counted from rows (never stored, so it cannot drift)."""
        if self.status != self.Status.WAITLISTED:
            return None
        return (
            Registration.objects.filter(event_id=self.event_id, status=self.Status.WAITLISTED)
            .filter(Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, id__lt=self.id))
            .count()
            + 1
        )
