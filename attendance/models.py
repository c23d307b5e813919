"""The Zoom participant reports that fed attendance: a record of evidence (which line
of which report made whom present), read back on the review list. The attendance
itself stays on `events.Registration`.

Moved from `reports` (issue 16) with the data kept: the index keeps its old name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoomImport(models.Model):
    """One uploaded Zoom participant report. The file's SHA-256 makes a re-upload a no-op."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="zoom_imports")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Zoom report import")
        verbose_name_plural = _("Zoom report imports")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint("event", "sha256", name="zoom_import_unique_file_per_event")]

    def __str__(self) -> str:
        return self.filename or self.sha256[:12]


class ZoomImportRow(models.Model):
    """One person in a report: their lines (rejoins) summed into minutes."""

    class State(models.TextChoices):
        MATCHED = "matched", _("Matched automatically")
        UNMATCHED = "unmatched", _("Needs review")
        LINKED = "linked", _("Linked by an organizer")
        DISMISSED = "dismissed", _("Dismissed")

    zoom_import = models.ForeignKey(ZoomImport, on_delete=models.CASCADE, related_name="rows")
    name = models.CharField(_("name in Zoom"), max_length=300)
    email = models.CharField(_("email in Zoom"), max_length=254, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"))
    sessions = models.PositiveSmallIntegerField(_("times joined"), default=1)
    first_joined_at = models.DateTimeField(_("first joined"), null=True, blank=True)
    last_left_at = models.DateTimeField(_("last left"), null=True, blank=True)
    guest = models.BooleanField(_("guest"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    registration = models.ForeignKey(
        "events.Registration",
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="zoom_rows",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Zoom report row")
        verbose_name_plural = _("Zoom report rows")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["zoom_import", "state"], name="reports_zoo_zoom_im_f044bb_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.minutes})"
