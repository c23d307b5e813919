"""What completing a training means, the certificates that prove it, and the sponsor's
yearly casebook.

A certificate is a snapshot: the holder's name, the title, the sessions and hours are
copied when it is issued, so a later edit of the series or of the person's profile
never changes a document someone has already printed. A correction is a revocation
(with a reason) and a new certificate that names the one it replaces. The database
keeps at most one valid certificate per person and series (or single event).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CompletionRule(models.Model):
    """Per series, or per event for an event that belongs to no series."""

    class Document(models.TextChoices):
        COMPLETION = "completion", _("Certificate of completion")
        ATTENDANCE = "attendance", _("Certificate of attendance")

    series = models.OneToOneField(
        "events.EventSeries",
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="completion_rule",
    )
    event = models.OneToOneField(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="completion_rule",
    )
    min_sessions = models.PositiveSmallIntegerField(
        _("sessions to attend"), null=True, blank=True, help_text=_("Empty: every session held.")
    )
    min_minutes = models.PositiveSmallIntegerField(
        _("minutes in each session"),
        null=True,
        blank=True,
        help_text=_("Empty: the attendance mark decides. Minutes come from the Zoom participant report."),
    )
    require_questionnaire = models.BooleanField(_("questionnaire answered"), default=False)
    require_prework = models.BooleanField(_("pre-work sheet submitted"), default=False)
    document = models.CharField(
        _("document"), max_length=20, choices=Document.choices, default=Document.COMPLETION
    )
    issuer_name = models.CharField(_("issuing organization"), max_length=200)
    signer = models.CharField(
        _("signed by"), max_length=200, blank=True, help_text=_("Title and name, e.g. 草加市長 ○○ ○○.")
    )
    seal_omitted = models.BooleanField(
        _("official seal omitted (公印省略)"),
        default=True,
        help_text=_("Unticked: the certificate leaves a space for the official seal."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("completion rule")
        verbose_name_plural = _("completion rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(series__isnull=False) & Q(event__isnull=True))
                | (Q(series__isnull=True) & Q(event__isnull=False)),
                name="records_rule_series_xor_event",
            ),
            models.CheckConstraint(
                condition=Q(min_sessions__isnull=True) | Q(min_sessions__gte=1),
                name="records_rule_min_sessions_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_minutes__isnull=True) | Q(min_minutes__gte=1),
                name="records_rule_min_minutes_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.series or self.event)


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    series = models.ForeignKey(
        "events.EventSeries",
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    # Random, not sequential: a number reveals nothing about how many were issued, and
    # the next one cannot be guessed from one in hand.
    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    document = models.CharField(_("document"), max_length=20, choices=CompletionRule.Document.choices)
    # --- the snapshot printed on the certificate ---
    holder_name = models.CharField(_("name"), max_length=100)
    holder_name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    holder_organization = models.CharField(_("organization"), max_length=300, blank=True)
    title = models.CharField(_("training"), max_length=200)
    issuer_name = models.CharField(_("issuing organization"), max_length=200)
    signer = models.CharField(_("signed by"), max_length=200, blank=True)
    seal_omitted = models.BooleanField(_("official seal omitted (公印省略)"), default=True)
    sessions = models.JSONField(_("sessions"), default=list)
    total_minutes = models.PositiveIntegerField(_("total minutes"), default=0)
    # --- how it came about ---
    completed = models.BooleanField(_("completion rule met when issued"), default=True)
    override_reason = models.TextField(_("reason for issuing without completion"), blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(series__isnull=False) & Q(event__isnull=True))
                | (Q(series__isnull=True) & Q(event__isnull=False)),
                name="records_certificate_series_xor_event",
            ),
            # Two organizers issuing at once (or a double click) cannot give one person
            # two valid certificates for the same training.
            models.UniqueConstraint(
                "user",
                "series",
                condition=Q(revoked_at__isnull=True, series__isnull=False),
                name="records_one_valid_certificate_per_series",
            ),
            models.UniqueConstraint(
                "user",
                "event",
                condition=Q(revoked_at__isnull=True, event__isnull=False),
                name="records_one_valid_certificate_per_event",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="records_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(completed=True) | ~Q(override_reason=""),
                name="records_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("records:certificate_pdf", args=[self.number])

    def get_verify_url(self) -> str:
        return reverse("verify:certificate", args=[self.number])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def total_hours(self) -> str:
        return _hours(self.total_minutes)


def _hours(minutes: int) -> str:
    """120 → "2", 90 → "1.5": hours as certificates print them."""
    value = minutes / 60
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


class PrivateBookStorage(FileSystemStorage):
    """Built books are private: served only through a view that checks who asks."""

    @property
    def base_location(self):
        root = getattr(settings, "RECORDS_FILES_ROOT", None)
        return str(root or Path(settings.VAR_DIR) / "private" / "records")

    @property
    def location(self):
        import os

        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


book_storage = PrivateBookStorage()


class CasebookIntro(models.Model):
    """The sponsor's own words for one 年度's book: title, issuer and introduction."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    title = models.CharField(_("title"), max_length=200, default="自治体向け事例集")
    subtitle = models.CharField(_("project name"), max_length=300, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.CharField(
        _("date on the cover"), max_length=40, blank=True, help_text=_("As printed, e.g. 2022年3月.")
    )
    introduction = models.TextField(_("introduction"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("casebook introduction")
        verbose_name_plural = _("casebook introductions")

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.title}"


def _book_path(instance: CasebookBuild, filename: str) -> str:
    return f"books/{instance.fiscal_year}/{instance.pk}/{filename}"


class CasebookBuild(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organization_ids = models.JSONField(_("municipalities"), default=list)
    # The year and the sorted municipality ids: two requests for the same book share a key.
    key = models.CharField(max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    pdf = models.FileField(storage=book_storage, upload_to=_book_path, max_length=200, blank=True)
    docx = models.FileField(storage=book_storage, upload_to=_book_path, max_length=200, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Everyone who asked for this book while it was being built: each gets the mail.
    subscribers = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("casebook build")
        verbose_name_plural = _("casebook builds")
        ordering = ["-created_at"]
        constraints = [
            # One build of the same book at a time: a second request joins the first.
            models.UniqueConstraint(
                "key", condition=Q(status__in=["queued", "running"]), name="records_one_active_build_per_key"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="records_build_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("records:casebook_build", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
