"""One form engine for 事前課題シート, アセスメントシート and アンケート.

A Form hangs off one Event (or every session of an EventSeries). Its Sections may
repeat (事例①, 事例②), its Questions have a type, and a Submission holds one Answer
row per (question, repeat, chosen choice). Answers are plain rows with typed columns
so the results are counted by the database (GROUP BY), not in Python.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from events.models import Event, EventSeries


class PrivateStorage(FileSystemStorage):
    """Uploaded sheets (行政組織図 …) are served only through a view that checks who
    asks; they never live under MEDIA_ROOT, which DEBUG serves to anyone. The folder
    is read from the settings on each use (tests point it elsewhere)."""

    @property
    def base_location(self):
        root = getattr(settings, "SURVEYS_FILES_ROOT", None)
        return str(root or Path(settings.VAR_DIR) / "private" / "surveys")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


private_storage = PrivateStorage()


def _upload_to(instance: Answer, filename: str) -> str:
    # The stored name is random: the person's own file name is kept in file_name.
    suffix = Path(filename).suffix.lower()[:10]
    return f"{instance.question.form_id}/{uuid.uuid4().hex}{suffix}"


class Form(models.Model):
    class Kind(models.TextChoices):
        PREWORK = "prework", _("Pre-work sheet")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")

    class Due(models.TextChoices):
        START = "start", _("When the event starts")
        END = "end", _("When the event ends (filled in during the session)")

    class Respondent(models.TextChoices):
        PERSON = "person", _("Each person")
        ORGANIZATION = "organization", _("Each organization (one sheet per municipality)")

    class Release(models.TextChoices):
        AFTER_CLOSE = "after_close", _("Once the questionnaire has closed")
        STEPS = "steps", _("While it is open, each time at least the minimum number of new responses arrived")

    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_forms",
    )
    series = models.ForeignKey(
        EventSeries,
        verbose_name=_("every session of the series"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_forms",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    starter = models.CharField(_("template"), max_length=40, blank=True, editable=False)
    respondent = models.CharField(
        _("who answers"), max_length=20, choices=Respondent.choices, default=Respondent.PERSON
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_("Questionnaires only. Nothing that ties an answer to a person is kept after submitting."),
    )
    # Anonymous forms only (see surveys.anonymity): nothing of the answers shows before k
    # people have answered, and what shows changes only in steps of k or once, at the close.
    min_responses = models.PositiveSmallIntegerField(
        _("minimum number of responses before results show"),
        default=5,
        help_text=_("Anonymous questionnaires only; at least 3."),
    )
    results_release = models.CharField(
        _("results of an anonymous questionnaire show"),
        max_length=20,
        choices=Release.choices,
        default=Release.AFTER_CLOSE,
    )
    # Pre-work only: members of the same breakout group may read the sheets of those who
    # agreed when submitting (groupwork.sharing decides who and until when).
    share_with_group = models.BooleanField(
        _("share submitted sheets within the breakout group"),
        default=False,
        help_text=_(
            "Pre-work sheets only. Each person chooses when submitting whether the members of "
            "their breakout group may read their sheet; nobody else sees it."
        ),
    )
    opens_at = models.DateTimeField(
        _("opens at"),
        null=True,
        blank=True,
        help_text=_("Empty: a pre-work sheet opens at once, a questionnaire when the event ends."),
    )
    closes_at = models.DateTimeField(
        _("due date"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: a pre-work sheet is due as chosen below; a questionnaire closes a set number "
            "of days (14 unless the platform is configured otherwise) after the session ends."
        ),
    )
    default_due = models.CharField(
        _("without a due date, a pre-work sheet is due"),
        max_length=10,
        choices=Due.choices,
        default=Due.START,
    )
    editable_after_submit = models.BooleanField(_("answers can be changed until the due date"), default=True)
    allow_late = models.BooleanField(_("accept answers after the due date"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(event__isnull=False) & Q(series__isnull=True))
                | (Q(event__isnull=True) & Q(series__isnull=False)),
                name="surveys_form_event_xor_series",
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False) | (Q(kind="questionnaire") & Q(respondent="person")),
                name="surveys_form_anonymous_only_person_questionnaire",
            ),
            models.CheckConstraint(condition=Q(min_responses__gte=3), name="surveys_form_min_responses_3"),
            models.CheckConstraint(
                condition=Q(share_with_group=False) | Q(kind="prework"),
                name="surveys_form_share_only_prework",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:builder", args=[self.pk])

    @property
    def is_questionnaire(self) -> bool:
        return self.kind == self.Kind.QUESTIONNAIRE

    @property
    def per_organization(self) -> bool:
        return self.respondent == self.Respondent.ORGANIZATION

    def applies_to(self, event: Event) -> bool:
        if self.event_id:
            return self.event_id == event.pk
        return bool(self.series_id) and event.series_id == self.series_id

    def events(self):
        if self.event_id:
            return Event.objects.filter(pk=self.event_id)
        return Event.objects.filter(series_id=self.series_id).exclude(status=Event.Status.DRAFT)

    # The window is per session: a series form is due before each session starts.
    def opens_for(self, event: Event) -> datetime | None:
        if self.opens_at:
            return self.opens_at
        return event.ends_at if self.is_questionnaire else None

    def closes_for(self, event: Event) -> datetime | None:
        if self.closes_at:
            return self.closes_at
        if self.is_questionnaire:
            # A questionnaire without a due date still ends: its mailed links expire and
            # an anonymous one's results can be shown once it has closed.
            return event.ends_at + timedelta(days=settings.SURVEYS_QUESTIONNAIRE_OPEN_DAYS)
        return event.ends_at if self.default_due == self.Due.END else event.starts_at

    def window_state(self, event: Event, now: datetime | None = None) -> str:
        """'not_yet', 'open', 'late' (past due but accepted) or 'closed'."""
        now = now or timezone.now()
        opens = self.opens_for(event)
        if opens and now < opens:
            return "not_yet"
        closes = self.closes_for(event)
        if closes and now >= closes:
            return "late" if self.allow_late else "closed"
        return "open"

    def url_for(self, name: str, event: Event | int) -> str:
        event_id = event if isinstance(event, int) else event.pk
        return reverse(f"surveys:{name}", args=[self.pk, event_id])


class Section(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    repeatable = models.BooleanField(
        _("repeating block"), default=False, help_text=_("For example 事例①, 事例② … each answered in turn.")
    )
    min_repeats = models.PositiveSmallIntegerField(_("at least"), default=1)
    max_repeats = models.PositiveSmallIntegerField(_("at most"), default=1)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_repeats__gte=models.F("min_repeats")) & Q(max_repeats__gte=1),
                name="surveys_section_repeats_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def repeat_limit(self) -> int:
        return self.max_repeats if self.repeatable else 1


class Question(models.Model):
    class Type(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        INTEGER = "integer", _("Whole number")
        DATE = "date", _("Date")
        SINGLE_CHOICE = "single_choice", _("One choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
        SCALE = "scale", _("5-point scale")
        YES_NO = "yes_no", _("Yes / no")
        FILE = "file", _("File upload")

    CHOICE_TYPES = (Type.SINGLE_CHOICE, Type.MULTIPLE_CHOICE)
    TEXT_TYPES = (Type.SHORT_TEXT, Type.LONG_TEXT)
    NUMERIC_TYPES = (Type.NUMBER, Type.INTEGER)
    # Counted by the aggregation's GROUP BY (few distinct values each).
    COUNTED_TYPES = (Type.SINGLE_CHOICE, Type.MULTIPLE_CHOICE, Type.SCALE, Type.YES_NO)

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("key"), max_length=50, help_text=_("Matches the question across sessions."))
    label = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("For example 人 or km²."))
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=6, null=True, blank=True)
    scale_min_label = models.CharField(_("label for 1"), max_length=100, blank=True)
    scale_max_label = models.CharField(_("label for 5"), max_length=100, blank=True)
    breakdown = models.BooleanField(
        _("use to break down results"),
        default=False,
        help_text=_("One-choice questions only, such as the type of affiliation."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section__order", "section_id", "order", "id"]
        constraints = [models.UniqueConstraint("form", "key", name="surveys_question_key_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_choice(self) -> bool:
        return self.type in self.CHOICE_TYPES

    @property
    def is_counted(self) -> bool:
        return self.type in self.COUNTED_TYPES

    @property
    def is_text(self) -> bool:
        return self.type in self.TEXT_TYPES

    @property
    def is_numeric(self) -> bool:
        return self.type in self.NUMERIC_TYPES

    @cached_property
    def scale_points(self) -> list[int]:
        return [1, 2, 3, 4, 5]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(_("choice"), max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    is_other = models.BooleanField(_("free text (その他)"), default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    # A random key: a sequential id would order anonymous responses by arrival,
    # which could be matched against the order of the "who has answered" rows.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="submissions")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="survey_submissions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # PROTECT: history stays; an account is pseudonymized (accounts.lifecycle), not deleted.
        on_delete=models.PROTECT,
        related_name="survey_submissions",
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="survey_submissions"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Counted in results, exports and the dashboard. Always true for named forms; an
    # anonymous response waits (false) until surveys.anonymity releases it with at
    # least k others, so no page ever changes because of one person's answer.
    in_results = models.BooleanField(default=True)
    # Anonymous responses keep none of these: an exact time could be matched to a log.
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The answer to the form's breakdown question, copied here when saved, so the
    # results are one GROUP BY without joining the answers to themselves.
    group_choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 「同じグループの参加者に共有する」: the consent given on the sheet (form.share_with_group).
    share_with_group = models.BooleanField(_("shared with the breakout group"), default=False)
    share_consented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            # One response per person (or per municipality for the assessment sheet):
            # the database refuses a double submit, not only the view.
            models.UniqueConstraint(
                "form", "event", "user", condition=Q(user__isnull=False), name="surveys_one_per_user"
            ),
            models.UniqueConstraint(
                "form",
                "event",
                "organization",
                condition=Q(organization__isnull=False),
                name="surveys_one_per_organization",
            ),
        ]
        indexes = [models.Index(fields=["form", "event", "status"])]

    def __str__(self) -> str:
        return f"{self.form} / {self.event_id} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("surveys:submission", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    # PROTECT: a question or choice that has answers cannot be deleted underneath them.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    repeat = models.PositiveSmallIntegerField(default=0)
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    # What the person typed, always kept (a draft keeps "１２３" or "abc" as typed).
    value_text = models.TextField(blank=True)
    value_number = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)
    file = models.FileField(storage=private_storage, upload_to=_upload_to, max_length=200, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                "submission",
                "question",
                "repeat",
                "choice",
                name="surveys_answer_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self) -> str:
        return f"{self.question_id}[{self.repeat}]"


class Respondent(models.Model):
    """Who has answered an anonymous questionnaire: no link to the answers, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="respondents")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        constraints = [
            models.UniqueConstraint("form", "event", "user", name="surveys_respondent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}/{self.event_id}"


class Summary(models.Model):
    """The aggregated results a page reads; rebuilt by surveys.tasks.aggregate."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="summaries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    responses = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("results summary")
        verbose_name_plural = _("results summaries")
        constraints = [models.UniqueConstraint("form", "event", name="surveys_summary_unique")]

    def __str__(self) -> str:
        return f"{self.form} / {self.event_id}: {self.responses}"
