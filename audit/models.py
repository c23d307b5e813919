"""An append-only record of who did what to which object, and when.

Rows are written by the service functions, in the transaction of the change they
describe (a rolled-back change leaves no entry; a committed one always has its entry).
Nothing updates or deletes them: the model refuses in Python and a PostgreSQL trigger
(audit/triggers.py) refuses in the database.

The audit app sits at the bottom of the layers (beside core): it knows users only
through settings.AUTH_USER_MODEL and other objects through content types, and keeps
event and organization as plain ids so it never imports a higher app and no cascade
from those tables can reach its rows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # SET_NULL, not CASCADE: deleting a person must not erase what they did. The
        # trigger allows exactly this one UPDATE; actor_label keeps who it was.
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(_("actor"), max_length=300, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=100, editable=False)
    target_type = models.ForeignKey(
        ContentType,
        verbose_name=_("object type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True, editable=False)
    target_label = models.CharField(_("object"), max_length=300, blank=True, editable=False)
    # {"field": [before, after]} for edits; what was exported or decided for other actions.
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    event_id = models.BigIntegerField(_("event id"), null=True, blank=True, editable=False)
    organization_id = models.BigIntegerField(_("organization id"), null=True, blank=True, editable=False)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, editable=False)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["event_id", "-at"], name="audit_event_at_idx"),
            models.Index(fields=["organization_id", "-at"], name="audit_org_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")
