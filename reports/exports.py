"""The whole fiscal year as one workbook: a sheet per table of the dashboard."""

from __future__ import annotations

from django.utils.translation import gettext as _

from reports import access
from reports.figures import ANONYMOUS_CAVEAT, DEFINITIONS
from reports.models import Engagement
from reports.selectors import SCALE, Dashboard, Figures


def _rate(value: float | None):
    return round(value, 3) if value is not None else None


def _figure_header(*, events: bool) -> list[str]:
    return [
        *([_("Events"), _("Held"), _("Cancelled"), _("Upcoming")] if events else []),
        _("Registrations (as of the deadline)"),
        _("Confirmed"),
        _("Attended"),
        _("Left early"),
        _("Absent"),
        _("Attendance rate"),
        _("Pre-work submitted"),
        _("Pre-work rate"),
        _("Questionnaire responses"),
        _("Response rate"),
        _("Assessment sheets submitted"),
        _("Assessment sheets expected"),
        _("Mean satisfaction"),
        *[_("Satisfaction %(point)s") % {"point": p} for p in SCALE],
    ]


def _figure_cells(f: Figures, *, events: bool) -> list:
    mean = f.satisfaction_mean
    return [
        *([f.events, f.held, f.cancelled, f.upcoming] if events else []),
        f.registrations,
        f.confirmed,
        f.attended,
        f.left_early,
        f.absent,
        _rate(f.attendance_rate),
        f.prework,
        _rate(f.prework_rate),
        f.responses,
        _rate(f.response_rate),
        f.org_sheets,
        f.org_sheets_base,
        round(mean, 2) if mean is not None else None,
        *f.satisfaction_list,
    ]


def _notes(board: Dashboard) -> list[list]:
    """Beneath each table, after an empty row: what the figures count."""
    texts = [*DEFINITIONS, *([ANONYMOUS_CAVEAT] if board.has_anonymous else [])]
    return [[], *[[str(t)] for t in texts]]


def fiscal_year_sheets(user, board: Dashboard) -> list[tuple[str, list[str], list[list]]]:
    municipalities = [[g.label, *_figure_cells(g.figures, events=False)] for g in board.municipalities] + [
        [_("Total"), *_figure_cells(board.total, events=False)],
        *_notes(board),
    ]
    series = [[g.label, *_figure_cells(g.figures, events=True)] for g in board.series] + [
        [_("Total"), *_figure_cells(board.total, events=True)],
        *_notes(board),
    ]
    names = {g.organization.pk: g.label for g in board.municipalities if g.organization}
    events = [
        [
            row.event.starts_at,
            row.event.display_title,
            row.event.series.title if row.event.series_id else "",
            row.event.get_kind_display(),
            row.event.get_attendance_mode_display(),
            row.event.get_status_display(),
            "、".join(names.get(pk, "") for pk in row.municipality_ids),
            *_figure_cells(row.figures, events=True),
        ]
        for row in board.events
    ] + [[None, _("Total"), "", "", "", "", "", *_figure_cells(board.total, events=True)], *_notes(board)]
    sheets = [
        [
            group.label,
            sheet.event.starts_at,
            sheet.event.display_title,
            sheet.form_title,
            {"submitted": _("Submitted"), "draft": _("Draft, not submitted")}.get(
                sheet.status, _("Not submitted")
            ),
            sheet.submitted_at,
            sheet.by,
        ]
        for group, sheet in board.sheets
    ]
    engagement_rows = []
    engagements = (
        Engagement.objects.filter(fiscal_year=board.year)
        .select_related("organization")
        .prefetch_related("goals", "activities")
        .order_by("organization__prefecture", "organization__name")
    )
    for e in engagements:
        if not access.can_read_engagement(user, e.organization_id):
            continue
        org = e.organization.display_name
        for label, text in (
            (_("Department responsible for community welfare"), e.department),
            (_("What started the effort"), e.trigger),
            (_("History of the moves towards an inclusive community"), e.history),
            (_("Interest and awareness among those involved"), e.awareness),
            (_("What the municipality wants to achieve"), e.vision),
        ):
            engagement_rows.append([org, label, "", text])
        for goal in e.goals.all():
            engagement_rows.append([org, _("Goal for the end of the fiscal year"), goal.text, goal.outcome])
        for activity in e.activities.all():
            engagement_rows.append([org, _("Concrete activity"), activity.title, ""])
        if e.other_outcomes:
            engagement_rows.append([org, _("Other outcomes"), "", e.other_outcomes])
        if e.challenges:
            engagement_rows.append([org, _("Challenges ahead"), "", e.challenges])
    return [
        (_("By municipality"), [_("Municipality"), *_figure_header(events=False)], municipalities),
        (_("By series"), [_("Series"), *_figure_header(events=True)], series),
        (
            _("Events"),
            [
                _("Starts at"),
                _("Title"),
                _("Series"),
                _("Kind"),
                _("Attendance mode"),
                _("Status"),
                _("Municipalities"),
                *_figure_header(events=True),
            ],
            events,
        ),
        (
            _("Assessment sheets"),
            [
                _("Municipality"),
                _("Starts at"),
                _("Event"),
                _("Sheet"),
                _("Status"),
                _("Submitted at"),
                _("Submitted by"),
            ],
            sheets,
        ),
        (_("Engagements"), [_("Municipality"), _("Item"), _("Goal or activity"), _("Text")], engagement_rows),
    ]
