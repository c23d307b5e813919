"""What the sponsor reads: each municipality's engagement per fiscal year."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.dates import format_fiscal_year


class Engagement(models.Model):
    """One municipality's 取り組み for one 年度: the casebook's 現状認識 table, goals,
    concrete activities, outcomes and next steps."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    department = models.TextField(_("department responsible for community welfare"), blank=True)
    trigger = models.TextField(_("what started the effort"), blank=True)
    history = models.TextField(_("history of the moves towards an inclusive community"), blank=True)
    awareness = models.TextField(_("interest and awareness among those involved"), blank=True)
    vision = models.TextField(_("what the municipality wants to achieve"), blank=True)
    other_outcomes = models.TextField(_("other outcomes"), blank=True)
    challenges = models.TextField(_("challenges ahead"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-fiscal_year", "organization__prefecture", "organization__name"]
        constraints = [
            models.UniqueConstraint("organization", "fiscal_year", name="engagement_one_per_org_and_year")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {format_fiscal_year(self.fiscal_year)}"

    def get_absolute_url(self) -> str:
        return reverse("reports:municipality", args=[self.fiscal_year, self.organization_id])


class Goal(models.Model):
    """今年度末の目標, with the 得られた成果 written against it at the year's end."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("goal for the end of the fiscal year"))
    outcome = models.TextField(_("outcomes achieved"), blank=True, help_text=_("One point per line."))

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def outcome_lines(self) -> list[str]:
        return [line.strip() for line in self.outcome.splitlines() if line.strip()]


class Activity(models.Model):
    """具体的な取り組み事項, tied to the series and events that carried it out."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("concrete activity"), max_length=300)
    series = models.ManyToManyField(
        "events.EventSeries", verbose_name=_("series"), blank=True, related_name="engagement_activities"
    )
    events = models.ManyToManyField(
        "events.Event", verbose_name=_("events"), blank=True, related_name="engagement_activities"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title
