"""Breakout groups of an event, the materials handed out and the questions sent in.

Invariants held by the database, not only by the pages:
- a person is in at most one group of a plan (unique (plan, user) on GroupMember; the plan
  is copied onto the row so the constraint can see it);
- group numbers are unique within a plan, and a plan asks for a size or a count, not both;
- a keep-together / keep-apart rule names two different people, once per plan.
Who may see a group is decided in groupwork.selectors: only its own members, and only once
the organizer has locked the plan.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import Event, ProgramItem, Registration


class JobRole(models.TextChoices):
    """職種, as the casebook names the audiences of its sessions."""

    ADMINISTRATION = "administration", _("Municipal staff")
    COMPREHENSIVE_SUPPORT = "comprehensive_support", _("Comprehensive consultation support staff")
    COMMUNITY_BUILDING = "community_building", _("Community-building staff")
    CSW = "csw", _("Community social worker (CSW)")
    CONSULTATION = "consultation", _("Consultation support worker")
    WELFARE_PROVIDER = "welfare_provider", _("Welfare service provider")
    MEDICAL = "medical", _("Medical professional")
    OTHER = "other", _("Other")


class GroupPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (only organizers see it)")
        LOCKED = "locked", _("Locked (participants see their group)")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="group_plan")
    group_size = models.PositiveSmallIntegerField(_("people per group"), null=True, blank=True)
    group_count = models.PositiveSmallIntegerField(_("number of groups"), null=True, blank=True)
    max_per_organization = models.PositiveSmallIntegerField(
        _("at most this many from one organization per group"), null=True, blank=True
    )
    spread_kinds = models.BooleanField(
        _("spread kinds of organization (市役所, 社協, 医療, NPO …)"), default=True
    )
    spread_roles = models.BooleanField(_("spread job roles"), default=True)
    facilitators = models.BooleanField(_("one facilitator per group"), default=False)
    seed = models.PositiveIntegerField(_("seed"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.JSONField(default=list, blank=True)  # what the last generation could not meet
    # The end of the event's follow-up period: shared pre-work sheets are readable by the
    # group until then (empty: GROUPWORK_FOLLOW_UP_DAYS after the event; groupwork.sharing).
    share_until = models.DateTimeField(_("shared sheets readable until"), null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("group plan")
        verbose_name_plural = _("group plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(group_size__isnull=True) | Q(group_count__isnull=True),
                name="groupwork_plan_size_or_count",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Groups of %(event)s") % {"event": self.event}

    def get_absolute_url(self) -> str:
        return reverse("groupwork:manage", args=[self.event_id])

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED


class Group(models.Model):
    plan = models.ForeignKey(GroupPlan, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField(_("number"))
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint("plan", "number", name="groupwork_group_number_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext("Group %(number)s") % {"number": self.number}


class GroupMember(models.Model):
    plan = models.ForeignKey(GroupPlan, on_delete=models.CASCADE, related_name="members")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint("plan", "user", name="groupwork_one_group_per_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.group}"


class Profile(models.Model):
    """What the generator needs to know about a registrant of this event beyond their
    organization: their job role and whether they facilitate a group."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    job_role = models.CharField(_("job role"), max_length=30, choices=JobRole.choices, blank=True)
    facilitator = models.BooleanField(_("facilitator"), default=False)

    class Meta:
        verbose_name = _("group work profile")
        verbose_name_plural = _("group work profiles")
        constraints = [models.UniqueConstraint("event", "user", name="groupwork_profile_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_job_role_display()})"


class PairRule(models.Model):
    class Kind(models.TextChoices):
        TOGETHER = "together", _("Keep in the same group")
        APART = "apart", _("Keep in different groups")

    plan = models.ForeignKey(GroupPlan, on_delete=models.CASCADE, related_name="pair_rules")
    kind = models.CharField(_("rule"), max_length=10, choices=Kind.choices)
    first = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("keep together or apart")
        verbose_name_plural = _("keep together or apart")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="groupwork_pair_ordered"),
            models.UniqueConstraint("plan", "first", "second", name="groupwork_pair_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.first} / {self.second}: {self.get_kind_display()}"


# --- materials (資料) ---------------------------------------------------------------------------


class MaterialStorage(FileSystemStorage):
    """Slides and handouts live outside MEDIA_ROOT (which DEBUG serves to anyone) and are
    served only by the download view, which checks audience and time and counts the
    download. The folder is read from the settings on each use (tests point it elsewhere)."""

    @property
    def base_location(self):
        root = getattr(settings, "GROUPWORK_FILES_ROOT", None)
        return str(root or Path(settings.VAR_DIR) / "private" / "materials")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


material_storage = MaterialStorage()


def _material_upload_to(instance: Material, filename: str) -> str:
    # A random stored name with the extension of the content found on upload.
    suffix = Path(filename).suffix.lower()[:10]
    return f"{instance.event_id}/{uuid.uuid4().hex}{suffix}"


class Material(models.Model):
    class Audience(models.TextChoices):
        REGISTRANTS = "registrants", _("Confirmed registrants")
        ATTENDEES = "attendees", _("Attendees only")
        PUBLIC = "public", _("Everyone (public)")

    class Visible(models.TextChoices):
        NOW = "now", _("Now")
        START = "start", _("When the event starts")
        AFTER = "after", _("After the event")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    program_item = models.ForeignKey(
        ProgramItem,
        verbose_name=_("program item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="materials",
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        storage=material_storage, upload_to=_material_upload_to, max_length=200, blank=True
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    url = models.URLField(_("link (for example the recording)"), max_length=500, blank=True)
    audience = models.CharField(_("who may see it"), max_length=20, choices=Audience.choices)
    visible_from = models.CharField(_("visible from"), max_length=10, choices=Visible.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["event", "program_item__order", "program_item__starts_at", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="groupwork_material_file_xor_link",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("groupwork:material", args=[self.event_id, self.pk])

    @property
    def is_link(self) -> bool:
        return bool(self.url)

    def visible_since(self, event: Event | None = None) -> datetime | None:
        """None: visible now; else the moment it becomes visible (the event's start or end)."""
        event = event or self.event
        if self.visible_from == self.Visible.START:
            return event.starts_at
        if self.visible_from == self.Visible.AFTER:
            return event.ends_at
        return None


# --- questions in advance (事前質問) ------------------------------------------------------------


class QuestionBox(models.Model):
    """An event's box for questions sent in before a deadline (「参加者より寄せられた質問」)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="question_box")
    program_item = models.ForeignKey(
        ProgramItem,
        verbose_name=_("agenda item it belongs to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="question_boxes",
    )
    instructions = models.TextField(_("instructions for the askers"), blank=True)
    closes_at = models.DateTimeField(_("deadline"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question box")
        verbose_name_plural = _("question boxes")

    def __str__(self) -> str:
        return gettext("Questions for %(event)s") % {"event": self.event}

    def get_absolute_url(self) -> str:
        return reverse("groupwork:questions", args=[self.event_id])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def is_open(self, now: datetime) -> bool:
        return now < self.closes_at


class AskedQuestion(models.Model):
    box = models.ForeignKey(QuestionBox, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"), max_length=2000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The asking municipality (the top organization), whether a participant or its
    # coordinator on its behalf sent the question.
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf = models.BooleanField(_("sent by the coordinator for the organization"), default=False)
    show_organization = models.BooleanField(_("publish with the organization's name"), default=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    taken_up = models.BooleanField(_("taken up"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question sent in")
        verbose_name_plural = _("questions sent in")
        ordering = ["box", "order", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
