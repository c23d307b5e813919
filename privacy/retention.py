"""How long each kind of personal data is kept, and the purge that enforces it.

Each data class below has a period from the settings (RETENTION_*, validated at start-up:
zero or less is refused, naming the variable), a sentence saying what happens to it, and
two functions: what is due now, and how to remove it. `purge(dry_run=...)` runs them all:
nightly by beat (privacy.tasks.purge), or by hand with `manage.py purge [--dry-run]`.

- Nothing that statistics count is deleted: a pre-work sheet's answers and files go but
  the fact that it was submitted stays; questionnaire free text goes but the choices and
  scales stay; a mail keeps its row (kind, recipient, status, times) without its text.
- Files leave the disk after the transaction that removed their rows commits.
- What each run removed is written to the audit trail (action "privacy.purge").
- One purge at a time: a PostgreSQL advisory lock (a cache lock on SQLite); a second run
  is refused with PurgeRunning, whose message says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.lifecycle import pseudonymize
from accounts.models import User
from attendance.models import ZoomImportRow
from audit import services as audit
from audit.models import AuditEntry
from core.dates import fiscal_year, format_date, format_fiscal_year
from core.errors import UserError
from notifications.models import Outbox
from notifications.outbox import Spec, write
from privacy.erasure import delete_files_after_commit
from privacy.models import DataExport
from surveys.models import Answer, Form, Question

LOCK_ID = 0x7473_7567_7075_7267 & 0x7FFF_FFFF_FFFF_FFFF  # "tsugpurg": one number for pg_advisory_lock
LOCK_KEY = "privacy:purge-lock"


class PurgeRunning(UserError):
    pass


@dataclass
class Due:
    """One data class's part of a run: how many items, and why they are due."""

    key: str
    title: str
    count: int
    why: str
    examples: list[str] = field(default_factory=list)
    apply: Callable[[], int] | None = None
    upcoming: str = ""  # what becomes due next, and when


@dataclass(frozen=True)
class DataClass:
    key: str
    title: object  # lazy text
    setting: str
    unit: object  # lazy text with %(n)s: "%(n)s fiscal years after the session's 年度", "%(n)s days", …
    what: object  # lazy text: what happens when due
    find: Callable[[dt.datetime], Due]

    @property
    def period(self) -> int:
        if self.setting == "AUDIT_RETENTION_DAYS":
            return max(settings.AUDIT_RETENTION_DAYS, 365)
        if self.setting == "SESSION_COOKIE_AGE":
            return max(1, settings.SESSION_COOKIE_AGE // 86400)  # seconds → days
        return getattr(settings, self.setting)

    @property
    def period_text(self) -> str:
        return str(self.unit) % {"n": self.period}


def fiscal_year_start(year: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, 4, 1))


def _fy_cutoff(now: dt.datetime, years: int) -> tuple[dt.datetime, int]:
    """Sessions before this moment are due: their 年度 ended `years` fiscal years ago."""
    last_due_year = fiscal_year(now) - years - 1
    return fiscal_year_start(last_due_year + 1), last_due_year


def _next_year(qs_for, cutoff: dt.datetime, last_year: int, now: dt.datetime) -> str:
    """ "On 2027年4月1日 the sheets of 2021年度 (12) follow": the next cut-off's share."""
    following = fiscal_year_start(last_year + 2)
    count = qs_for(cutoff, following).count()
    if not count:
        return ""
    # They become due when the next 年度 begins (last_year moves up by one).
    return _("Next: %(count)s of %(year)s, on %(date)s.") % {
        "count": count,
        "year": format_fiscal_year(last_year + 1),
        "date": format_date(fiscal_year_start(fiscal_year(now) + 1), weekday=False),
    }


def _event_examples(qs, limit: int = 5) -> list[str]:
    seen = []
    for title, starts in qs.values_list(
        "submission__event__title", "submission__event__starts_at"
    ).distinct()[:limit]:
        seen.append(f"{format_date(starts, weekday=False)} {title}")
    return seen


# --- the data classes ----------------------------------------------------------------------


def _prework(now: dt.datetime) -> Due:
    years = settings.RETENTION_PREWORK_FISCAL_YEARS
    cutoff, last_year = _fy_cutoff(now, years)

    def between(start, end):
        sheets = Answer.objects.filter(
            submission__form__kind=Form.Kind.PREWORK, submission__event__starts_at__lt=end
        )
        return sheets.filter(submission__event__starts_at__gte=start) if start else sheets

    qs = between(None, cutoff)

    def apply() -> int:
        files = [a.file for a in qs.exclude(file="").only("id", "file")]
        delete_files_after_commit(files)
        deleted, _by_model = qs.delete()
        return deleted

    return Due(
        key="prework",
        title=str(DATA_CLASSES_BY_KEY["prework"].title),
        count=qs.count(),
        why=_(
            "Sheets of sessions in %(year)s or earlier: kept %(years)s fiscal years after the session's "
            "年度 (RETENTION_PREWORK_FISCAL_YEARS). The answers and files go; that a sheet was submitted stays."
        )
        % {"year": format_fiscal_year(last_year), "years": years},
        examples=_event_examples(qs),
        apply=apply,
        upcoming=_next_year(between, cutoff, last_year, now),
    )


def _questionnaire_text(now: dt.datetime) -> Due:
    years = settings.RETENTION_QUESTIONNAIRE_TEXT_FISCAL_YEARS
    cutoff, last_year = _fy_cutoff(now, years)

    def between(start, end):
        old = Answer.objects.filter(
            submission__form__kind=Form.Kind.QUESTIONNAIRE, submission__event__starts_at__lt=end
        )
        old = old.filter(submission__event__starts_at__gte=start) if start else old
        return old.filter(
            Q(question__type__in=Question.TEXT_TYPES) | (Q(choice__is_other=True) & ~Q(value_text=""))
        )

    old = between(None, cutoff)
    texts = old.filter(question__type__in=Question.TEXT_TYPES)
    others = old.filter(choice__is_other=True).exclude(value_text="")

    def apply() -> int:
        deleted, _by_model = texts.delete()
        return deleted + others.update(value_text="")

    return Due(
        key="questionnaire_text",
        title=str(DATA_CLASSES_BY_KEY["questionnaire_text"].title),
        count=texts.count() + others.count(),
        why=_(
            "Written answers to questionnaires of sessions in %(year)s or earlier: kept %(years)s fiscal "
            "years (RETENTION_QUESTIONNAIRE_TEXT_FISCAL_YEARS). Choices and scales stay, so the figures do "
            "not change."
        )
        % {"year": format_fiscal_year(last_year), "years": years},
        examples=_event_examples(texts),
        apply=apply,
        upcoming=_next_year(between, cutoff, last_year, now),
    )


def _zoom_unmatched(now: dt.datetime) -> Due:
    days = settings.RETENTION_ZOOM_UNMATCHED_DAYS
    State = ZoomImportRow.State
    not_registrants = Q(state__in=[State.UNMATCHED, State.DISMISSED])
    reviewed = ~Q(zoom_import__rows__state=State.UNMATCHED)
    old = Q(zoom_import__created_at__lt=now - dt.timedelta(days=days))
    due_ids = ZoomImportRow.objects.filter(not_registrants).filter(
        Q(state=State.DISMISSED, pk__in=ZoomImportRow.objects.filter(reviewed).values("pk")) | old
    )
    qs = ZoomImportRow.objects.filter(pk__in=due_ids.values("pk"))
    waiting = ZoomImportRow.objects.filter(not_registrants).exclude(pk__in=due_ids.values("pk"))
    oldest = (
        waiting.order_by("zoom_import__created_at").values_list("zoom_import__created_at", flat=True).first()
    )

    def apply() -> int:
        deleted, _by_model = qs.delete()
        return deleted

    return Due(
        key="zoom_unmatched",
        title=str(DATA_CLASSES_BY_KEY["zoom_unmatched"].title),
        count=qs.count(),
        why=_(
            "Names and addresses from Zoom reports of people who matched no registration: deleted once the "
            "import has been reviewed, and after %(days)s days at most (RETENTION_ZOOM_UNMATCHED_DAYS)."
        )
        % {"days": days},
        examples=[
            f"{format_date(created, weekday=False)} {title}"
            for title, created in qs.values_list(
                "zoom_import__event__title", "zoom_import__created_at"
            ).distinct()[:5]
        ],
        apply=apply,
        upcoming=(
            _("Next: %(count)s rows not yet due; the first at the latest on %(date)s.")
            % {"count": waiting.count(), "date": format_date(oldest + dt.timedelta(days=days), weekday=False)}
            if oldest
            else ""
        ),
    )


def _mail_bodies(now: dt.datetime) -> Due:
    days = settings.RETENTION_MAIL_BODY_DAYS
    final = [Outbox.Status.SENT, Outbox.Status.FAILED, Outbox.Status.WITHDRAWN]
    qs = Outbox.objects.filter(status__in=final, created_at__lt=now - dt.timedelta(days=days)).filter(
        ~Q(body_text="") | ~Q(body_html="") | ~Q(ics="")
    )

    def apply() -> int:
        return qs.update(body_text="", body_html="", ics="", render_args={})

    return Due(
        key="mail_bodies",
        title=str(DATA_CLASSES_BY_KEY["mail_bodies"].title),
        count=qs.count(),
        why=_(
            "Texts of mail sent before %(date)s: kept %(days)s days (RETENTION_MAIL_BODY_DAYS). Who was sent "
            "what kind of mail, and when, stays."
        )
        % {"date": format_date(now - dt.timedelta(days=days), weekday=False), "days": days},
        apply=apply,
    )


def _data_exports(now: dt.datetime) -> Due:
    qs = DataExport.objects.filter(
        Q(expires_at__lt=now) | Q(status=DataExport.Status.FAILED, created_at__lt=now - dt.timedelta(days=1))
    )

    def apply() -> int:
        delete_files_after_commit([e.archive for e in qs])
        deleted, _by_model = qs.delete()
        return deleted

    return Due(
        key="data_exports",
        title=str(DATA_CLASSES_BY_KEY["data_exports"].title),
        count=qs.count(),
        why=_(
            "Copies of people's data whose %(days)s days to download them have passed (RETENTION_DATA_EXPORT_DAYS)."
        )
        % {"days": settings.RETENTION_DATA_EXPORT_DAYS},
        apply=apply,
    )


def _sessions(now: dt.datetime) -> Due:
    qs = Session.objects.filter(expire_date__lt=now)

    def apply() -> int:
        deleted, _by_model = qs.delete()
        return deleted

    return Due(
        key="sessions",
        title=str(DATA_CLASSES_BY_KEY["sessions"].title),
        count=qs.count(),
        why=_("Sign-in sessions that have expired."),
        apply=apply,
    )


def _audit(now: dt.datetime) -> Due:
    cutoff = audit.retention_cutoff(now)
    qs = AuditEntry.objects.filter(at__lt=cutoff)
    return Due(
        key="audit",
        title=str(DATA_CLASSES_BY_KEY["audit"].title),
        count=qs.count(),
        why=_("Audit trail entries from before %(date)s: kept %(days)s days (AUDIT_RETENTION_DAYS).")
        % {"date": format_date(cutoff, weekday=False), "days": max(settings.AUDIT_RETENTION_DAYS, 365)},
        apply=lambda: audit.purge_expired(now=now),
    )


def _last_active():
    return Coalesce(F("last_login"), F("date_joined"))


def _inactive_accounts(now: dt.datetime) -> Due:
    years = settings.RETENTION_INACTIVE_ACCOUNT_YEARS
    grace = dt.timedelta(days=settings.RETENTION_INACTIVE_WARNING_DAYS)
    # Leap days aside, N years of 365 days: a day either way changes nothing here.
    idle_since = now - dt.timedelta(days=365 * years)
    idle = (
        User.objects.filter(deleted_at__isnull=True, is_active=True, is_staff=False, is_superuser=False)
        .annotate(last_active=_last_active())
        .filter(last_active__lt=idle_since)
    )
    idle = list(idle)
    warned = dict(
        Outbox.objects.filter(kind=Outbox.Kind.ACCOUNT_INACTIVE, recipient__in=idle)
        .values_list("recipient_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    to_warn, to_delete = [], []
    for user in idle:
        warning = warned.get(user.pk)
        if warning is None or warning <= user.last_active:
            to_warn.append(user)  # never warned since they last signed in
        elif warning < now - grace:
            to_delete.append(user)  # warned, and still no sign-in after the grace period

    def apply() -> int:

        write(
            [
                Spec(
                    recipient=u,
                    kind=Outbox.Kind.ACCOUNT_INACTIVE,
                    dedupe_key=f"account_inactive:{u.pk}:{u.last_active:%Y%m%d}",
                    context={
                        "years": years,
                        "delete_on": now + grace,
                        "login_url": settings.SITE_URL + reverse("account_login"),
                    },
                )
                for u in to_warn
            ]
        )
        done = sum(pseudonymize(u, by=None, reason="unused account (retention)") for u in to_delete)
        return len(to_warn) + done

    return Due(
        key="inactive_accounts",
        title=str(DATA_CLASSES_BY_KEY["inactive_accounts"].title),
        count=len(to_warn) + len(to_delete),
        why=_(
            "Accounts nobody signed in to for %(years)s years (RETENTION_INACTIVE_ACCOUNT_YEARS): %(warn)s "
            "warned by mail now, %(delete)s deleted (pseudonymized) because %(days)s days passed since the "
            "warning without a sign-in (RETENTION_INACTIVE_WARNING_DAYS)."
        )
        % {"years": years, "warn": len(to_warn), "delete": len(to_delete), "days": grace.days},
        apply=apply,
    )


FY_UNIT = gettext_lazy("%(n)s fiscal years after the session's 年度")
DATA_CLASSES: list[DataClass] = [
    DataClass(
        "prework",
        gettext_lazy("Pre-work sheets and their files"),
        "RETENTION_PREWORK_FISCAL_YEARS",
        FY_UNIT,
        gettext_lazy("The answers and uploaded files are deleted; that the sheet was submitted stays."),
        _prework,
    ),
    DataClass(
        "questionnaire_text",
        gettext_lazy("Written answers to questionnaires"),
        "RETENTION_QUESTIONNAIRE_TEXT_FISCAL_YEARS",
        FY_UNIT,
        gettext_lazy("The texts are deleted; choices and scales stay, so the figures do not change."),
        _questionnaire_text,
    ),
    DataClass(
        "zoom_unmatched",
        gettext_lazy("Zoom report rows of people who matched no registration"),
        "RETENTION_ZOOM_UNMATCHED_DAYS",
        gettext_lazy("%(n)s days at most (sooner: once the import is reviewed)"),
        gettext_lazy("The rows (name and address in Zoom, minutes) are deleted."),
        _zoom_unmatched,
    ),
    DataClass(
        "mail_bodies",
        gettext_lazy("Texts of sent mail"),
        "RETENTION_MAIL_BODY_DAYS",
        gettext_lazy("%(n)s days"),
        gettext_lazy("Text, HTML and invite are emptied; kind, subject, recipient, status and times stay."),
        _mail_bodies,
    ),
    DataClass(
        "data_exports",
        gettext_lazy("Copies of a person's data"),
        "RETENTION_DATA_EXPORT_DAYS",
        gettext_lazy("%(n)s days"),
        gettext_lazy("The ZIP file is deleted."),
        _data_exports,
    ),
    DataClass(
        "sessions",
        gettext_lazy("Sign-in sessions"),
        "SESSION_COOKIE_AGE",
        gettext_lazy("%(n)s days after the last use"),
        gettext_lazy("Expired sessions are deleted."),
        _sessions,
    ),
    DataClass(
        "audit",
        gettext_lazy("Audit trail (who did what, including sign-in records)"),
        "AUDIT_RETENTION_DAYS",
        gettext_lazy("%(n)s days"),
        gettext_lazy("Older entries are deleted."),
        _audit,
    ),
    DataClass(
        "inactive_accounts",
        gettext_lazy("Accounts nobody uses"),
        "RETENTION_INACTIVE_ACCOUNT_YEARS",
        gettext_lazy("%(n)s years without signing in"),
        gettext_lazy(
            "The person is warned by mail; without a sign-in the account is deleted (pseudonymized) later."
        ),
        _inactive_accounts,
    ),
]
DATA_CLASSES_BY_KEY = {c.key: c for c in DATA_CLASSES}


# --- running ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _one_at_a_time():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_ID])
            got = cursor.fetchone()[0]
        if not got:
            raise PurgeRunning(_("Another purge is running. Wait until it has finished, then try again."))
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
    else:
        if not cache.add(LOCK_KEY, 1, timeout=6 * 3600):
            raise PurgeRunning(_("Another purge is running. Wait until it has finished, then try again."))
        try:
            yield
        finally:
            cache.delete(LOCK_KEY)


def due(now: dt.datetime | None = None) -> list[Due]:
    now = now or timezone.now()
    return [c.find(now) for c in DATA_CLASSES]


def purge(*, dry_run: bool = False, now: dt.datetime | None = None, actor=None) -> list[Due]:
    """Remove what is due (or only say what would go). Each class in its own transaction,
    audited with what it removed; returns what was found (count: removed, or due when dry)."""
    now = now or timezone.now()
    with _one_at_a_time():
        found = due(now)
        if dry_run:
            return found
        for item in found:
            if not item.count or item.apply is None:
                continue
            with transaction.atomic():
                # Found again inside the transaction: what is removed is what is recorded.
                fresh = DATA_CLASSES_BY_KEY[item.key].find(now)
                removed = fresh.apply() if fresh.count else 0
                item.count, item.why = removed, fresh.why
                if removed:
                    audit.record(
                        actor=actor,
                        action="privacy.purge",
                        target_label=item.title,
                        details={"class": item.key, "removed": removed, "why": fresh.why},
                    )
        return found
