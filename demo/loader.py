"""The one demo loader: events first (pre-work, questionnaires, attendance and engagements
hang on them), then survey answers, then the exchange meeting's groups and materials, then the sponsor's engagements and attendance, then
certificates (they need that attendance). Idempotent."""

from __future__ import annotations

from demo import events, groupwork, records, reports, surveys

DEMO_LOGINS = events.DEMO_LOGINS


def load(stdout=None) -> None:
    events.load(stdout)
    surveys.load(stdout)
    groupwork.load(stdout)
    reports.load(stdout)
    records.load(stdout)
