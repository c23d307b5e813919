from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import jaconv
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.normalize import nfkc
from core import dates
from core.errors import UserError


class TransitionError(UserError):
    """A state change the model does not allow; the message is for people."""


def fold_for_search(text: str) -> str:
    """NFKC, lower case, hiragana as katakana, no spaces: how the search compares text."""
    return "".join(jaconv.hira2kata(nfkc(text).lower()).split())


def default_alarms() -> list[int]:
    """A day and half an hour before the start."""
    return [24 * 60, 30]


@dataclass(frozen=True)
class Contact:
    """問い合わせ先."""

    department: str = ""
    person: str = ""
    phone: str = ""
    email: str = ""

    def __bool__(self) -> bool:
        return any((self.department, self.person, self.phone, self.email))

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.department, self.person) if p)


def contact_of(obj) -> Contact:
    return Contact(obj.contact_department, obj.contact_person, obj.contact_phone, obj.contact_email)


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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Event.refresh_search_text(
            EventSpeaker.objects.filter(speaker=self).values_list("event_id", flat=True)
        )

    @property
    def display(self) -> str:
        parts = " ".join(p for p in (self.affiliation, self.title) if p)
        return f"{self.name}{dates.paren(parts)}" if parts else self.name


class EventSeries(models.Model):
    """地域共生社会の実現に向けた人材育成研修 — sessions 第1回, 第2回 … share it."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    hosts = models.ManyToManyField(Organization, verbose_name=_("host organizations"), related_name="series")
    speakers = models.ManyToManyField(Speaker, verbose_name=_("speakers"), blank=True, related_name="series")
    # 問い合わせ先: on the event pages and the printable ones, in the footer of every mail,
    # as Reply-To of event mail and the invite's ORGANIZER.
    contact_department = models.CharField(_("contact: department"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact: person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact: phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact: email"), blank=True)
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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Event.refresh_search_text(Event.objects.filter(series=self).values_list("pk", flat=True))

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
    # In the order given, each with a role (講師, コメンテーター …): see EventSpeaker.
    speakers = models.ManyToManyField(
        Speaker, verbose_name=_("speakers"), blank=True, related_name="events", through="EventSpeaker"
    )

    # The event's own 問い合わせ先 overrides the series' when any of it is filled in.
    contact_department = models.CharField(_("contact: department"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact: person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact: phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact: email"), blank=True)
    # Calendar alarms (VALARM) in the invite, minutes before the start.
    invite_alarms = models.JSONField(_("calendar reminders"), default=default_alarms, blank=True)

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
    # The same snapshot by the organization each person registered under
    # ({"<organization id>": n, "": n without one}), so the sponsor's per-municipality
    # figures add up to the event's and do not move when people cancel later.
    count_at_deadline_by_org = models.JSONField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    # What the keyword search reads: title, series, description, venue and lecturers, folded
    # (NFKC, lower case, katakana, no spaces) so 「猿渡進平」 finds 「猿渡 進平」. Kept by save()
    # and by the services that change the series or the speakers; a trigram index on
    # PostgreSQL (migration 0005) serves the LIKE '%…%' the search runs.
    search_text = models.TextField(default="", blank=True, editable=False)
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

    SEARCHED_FIELDS = {"title", "description", "venue_name", "venue_address", "audience", "series"}

    def save(self, *args, **kwargs) -> None:
        fields = kwargs.get("update_fields")
        # Saves of other fields (status, counts, revision) skip the speakers' query.
        if fields is None or self.SEARCHED_FIELDS & set(fields):
            self.search_text = self.build_search_text()
            if fields is not None:
                kwargs["update_fields"] = {*fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    def build_search_text(self) -> str:
        parts = [self.title, self.description, self.venue_name, self.venue_address, self.audience]
        if self.series_id:
            parts += [self.series.title, self.series.description]
        if self.pk:
            for name, affiliation in EventSpeaker.objects.filter(event_id=self.pk).values_list(
                "speaker__name", "speaker__affiliation"
            ):
                parts += [name, affiliation]
        return fold_for_search(" ".join(p for p in parts if p))

    @classmethod
    def refresh_search_text(cls, event_ids) -> None:
        """After a change the event's own save does not see (its speakers, its series)."""
        for event in cls.objects.filter(pk__in=list(event_ids)).select_related("series"):
            text = event.build_search_text()
            if text != event.search_text:
                cls.objects.filter(pk=event.pk).update(search_text=text)

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
    def contact(self) -> Contact:
        """問い合わせ先: the event's own when it has one, else the series'."""
        own = contact_of(self)
        if own or not self.series_id:
            return own
        return contact_of(self.series)

    def ordered_speakers(self) -> list[EventSpeaker]:
        """Speakers as links (speaker, role) in the order given; prefetch "speaker_links__speaker"."""
        return list(self.speaker_links.all())

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
        return f"{self.organization}{dates.paren(self.departments)}"


class SpeakerRole(models.TextChoices):
    LECTURER = "lecturer", _("Lecturer")
    COMMENTATOR = "commentator", _("Commentator")
    FACILITATOR = "facilitator", _("Facilitator")


class EventSpeaker(models.Model):
    """An event's speaker in the order the casebook names them (猿渡 進平 / 大原 裕介), with
    their role. The table is the one the plain many-to-many used (data kept)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speaker_links")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="event_links")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    role = models.CharField(
        _("role"), max_length=20, choices=SpeakerRole.choices, default=SpeakerRole.LECTURER
    )

    class Meta:
        db_table = "events_event_speakers"
        verbose_name = _("event speaker")
        verbose_name_plural = _("event speakers")
        ordering = ["order", "id"]
        unique_together = [("event", "speaker")]

    def __str__(self) -> str:
        return f"{self.speaker} ({self.get_role_display()})"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


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
    """One row of the timetable: 時間・内容・詳細.

    Its times are kept relative to the event's start (`offset_minutes`, negative for
    14:45 Zoom開場 before a 15:00 start), so moving the event or copying it as the next
    session moves the program with it; `starts_at` and `ends_at` are the clock times
    the program runs at. Setting `starts_at` (a clock time) converts it against the
    event's start day.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="program_items")
    offset_minutes = models.IntegerField(_("minutes from the start"), default=0)
    ends_offset_minutes = models.IntegerField(_("minutes from the start to its end"), null=True, blank=True)
    title = models.TextField(_("content"), max_length=1000)
    details = models.TextField(_("details or purpose"), blank=True)
    speakers = models.ManyToManyField(
        Speaker,
        verbose_name=_("speakers"),
        blank=True,
        related_name="program_items",
        through="ProgramItemSpeaker",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("program item")
        verbose_name_plural = _("program items")
        ordering = ["order", "offset_minutes", "id"]

    def __init__(self, *args, **kwargs):
        clock = {name: kwargs.pop(name) for name in ("starts_at", "ends_at") if name in kwargs}
        super().__init__(*args, **kwargs)
        self._clock = clock

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M} {self.title}"

    def save(self, *args, **kwargs) -> None:
        if self._clock:
            start = self._clock.get("starts_at")
            if start is not None:
                self.offset_minutes = offset_of(self.event, start)
            if "ends_at" in self._clock:
                end = self._clock["ends_at"]
                self.ends_offset_minutes = (
                    offset_of(self.event, end, after=self.offset_minutes) if end else None
                )
            self._clock = {}
        super().save(*args, **kwargs)

    def at(self, offset: int | None, start: datetime | None = None) -> datetime | None:
        if offset is None:
            return None
        return _local(start or self.event.starts_at) + timedelta(minutes=offset)

    @property
    def starts_at_datetime(self) -> datetime:
        return self.at(self.offset_minutes)

    @property
    def starts_at(self) -> time:
        return self.starts_at_datetime.time()

    @starts_at.setter
    def starts_at(self, value: time) -> None:
        self._clock["starts_at"] = value

    @property
    def ends_at(self) -> time | None:
        end = self.at(self.ends_offset_minutes)
        return end.time() if end else None

    @ends_at.setter
    def ends_at(self, value: time | None) -> None:
        self._clock["ends_at"] = value

    def ordered_speakers(self) -> list[Speaker]:
        return [link.speaker for link in self.speaker_links.all()]


def offset_of(event: Event, clock: time, *, after: int | None = None) -> int:
    """Minutes from the event's start to `clock` on the start's day (a time after midnight
    for an item past 24:00 is not a case the casebook has). With `after`, a time that
    would come before it is taken on the next day."""
    start = _local(event.starts_at)
    moment = start.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
    minutes = int((moment - start).total_seconds() // 60)
    if after is not None and minutes < after:
        minutes += 24 * 60
    return minutes


class ProgramItemSpeaker(models.Model):
    """The speakers of one program row, in the order given (講師：猿渡 進平 氏 大原 裕介 氏)."""

    item = models.ForeignKey(
        ProgramItem, on_delete=models.CASCADE, related_name="speaker_links", db_column="programitem_id"
    )
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="program_links")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        db_table = "events_programitem_speakers"
        verbose_name = _("program item speaker")
        verbose_name_plural = _("program item speakers")
        ordering = ["order", "id"]
        unique_together = [("item", "speaker")]

    def __str__(self) -> str:
        return str(self.speaker)


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
