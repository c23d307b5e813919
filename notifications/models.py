"""The outbox: every mail exists as a row before anything is sent.

Rows are written in the transaction that caused them (a registration, an event
change), so a rolled-back change sends nothing and a committed one is never lost: if
the broker is down the per-minute dispatcher picks the row up later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # A queued message that no longer applies (a later update superseded it, the
        # registration was cancelled, the person turned reminders off).
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        REGISTRATION_CONFIRMED = "registration_confirmed", _("Registration confirmed")
        REGISTRATION_REQUESTED = "registration_requested", _("Request received")
        REGISTRATION_WAITLISTED = "registration_waitlisted", _("Waitlisted")
        REGISTRATION_PROMOTED = "registration_promoted", _("Moved up from the waitlist")
        REGISTRATION_CANCELLED = "registration_cancelled", _("Registration cancelled")
        REGISTRATION_DECLINED = "registration_declined", _("Registration declined")
        EVENT_CHANGED = "event_changed", _("Event changed")
        EVENT_CANCELLED = "event_cancelled", _("Event cancelled")
        REMINDER = "reminder", _("Reminder")
        ANNOUNCEMENT = "announcement", _("Announcement")
        PREWORK_OPEN = "prework_open", _("Pre-work sheet opened")
        PREWORK_REMINDER = "prework_reminder", _("Pre-work reminder")
        QUESTIONNAIRE_INVITATION = "questionnaire_invitation", _("Questionnaire invitation")
        QUESTIONNAIRE_REMINDER = "questionnaire_reminder", _("Questionnaire reminder")
        # Asked for by the person (their link was used): transactional, always sent.
        QUESTIONNAIRE_LINK = "questionnaire_link", _("New questionnaire link")
        # Personal data (privacy app): always sent.
        ACCOUNT_INACTIVE = "account_inactive", _("Unused account to be deleted")
        DATA_EXPORT_READY = "data_export_ready", _("Copy of your data ready")
        INVITATION = "invitation", _("Account invitation")
        CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
        CASEBOOK_READY = "casebook_ready", _("Casebook ready")
        MEMBERSHIP_APPROVED = "membership_approved", _("Membership approved")
        MEMBERSHIP_DECLINED = "membership_declined", _("Membership declined")
        MEMBERSHIP_INVITATION = "membership_invitation", _("Invitation to join an organization")

    # People who turned reminders and announcements off do not get these; every other
    # kind is transactional and always goes.
    OPTIONAL_KINDS = frozenset(
        {
            Kind.REMINDER,
            Kind.ANNOUNCEMENT,
            Kind.PREWORK_OPEN,
            Kind.PREWORK_REMINDER,
            Kind.QUESTIONNAIRE_INVITATION,
            Kind.QUESTIONNAIRE_REMINDER,
        }
    )

    class IcsMethod(models.TextChoices):
        NONE = "", _("No invite")
        REQUEST = "REQUEST", "REQUEST"
        CANCEL = "CANCEL", "CANCEL"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outbox_messages"
    )
    # Resolved from the user when the message is claimed for sending, so a person who
    # changed their address after registering gets the mail at the new one; kept as
    # the record of where it actually went.
    to_email = models.EmailField(_("sent to"), blank=True)
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=5, default="ja")
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    ics = models.TextField(blank=True)
    # What the sender needs to render this message when it goes out ({"registration": id}),
    # empty once rendered. Registration mail and reminders are written unrendered so the
    # registration transaction, which holds the event's row lock, stays short.
    render_args = models.JSONField(default=dict, blank=True)
    ics_method = models.CharField(max_length=10, choices=IcsMethod.choices, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dispatcher's query: due rows and expired leases only.
            models.Index(
                fields=["send_after"],
                name="outbox_due",
                condition=Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["event", "status"], name="outbox_event_status"),
            models.Index(fields=["event", "recipient", "kind"], name="outbox_event_recipient_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.status})"

    @property
    def is_optional(self) -> bool:
        return self.kind in self.OPTIONAL_KINDS


class ReminderRule(models.Model):
    """When reminders go out for one event; with no rules the defaults apply (7 and 1 days)."""

    class Unit(models.TextChoices):
        DAYS = "days", _("days before")
        BUSINESS_DAYS = "business_days", _("business days before (skipping weekends, holidays and 12/29–1/3)")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="reminder_rules")
    offset = models.PositiveSmallIntegerField(
        _("how many"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.DAYS)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["-offset", "unit"]
        constraints = [models.UniqueConstraint("event", "offset", "unit", name="reminder_rule_unique")]

    def __str__(self) -> str:
        return f"{self.offset} {self.get_unit_display()}"

    @property
    def key(self) -> str:
        return f"{self.offset}{'bd' if self.unit == self.Unit.BUSINESS_DAYS else 'd'}"
