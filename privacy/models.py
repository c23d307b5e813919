"""A person's copy of their data (privacy.export): one ZIP, built by Celery, kept 7 days."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ExportStorage(FileSystemStorage):
    """Never under MEDIA_ROOT: served only by a view that checks who asks."""

    @property
    def base_location(self):
        return str(Path(settings.VAR_DIR) / "private" / "exports")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


export_storage = ExportStorage()


class DataExport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be built")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be built")

    BUSY = (Status.PENDING, Status.BUILDING)

    # Random: the download address cannot be guessed from another one.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    archive = models.FileField(storage=export_storage, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-created_at"]
        constraints = [
            # One at a time: a second request while one is being built is refused by the database.
            models.UniqueConstraint(
                "user", condition=Q(status__in=["pending", "building"]), name="privacy_one_export_at_a_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("privacy:export_download", args=[self.pk])
