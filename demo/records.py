"""Demo data for records: 草加市's training series gets a completion rule (both sessions
attended), and everyone who attended both receives a 修了証, as its organizer would
issue them from the completion roster. Idempotent: issuing skips people who already
hold a certificate.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from events.models import EventSeries
from records import certificates, rules
from records.models import CompletionRule

TRAINING_SERIES = "地域共生社会の実現に向けた人材育成研修"
ORGANIZER = "organizer@example.jp"


@transaction.atomic
def load(stdout=None) -> None:
    series = EventSeries.objects.filter(title=TRAINING_SERIES).order_by("pk").first()
    organizer = User.objects.filter(email=ORGANIZER).first()
    if series is None or organizer is None:
        return
    rule = rules.rule_for(series=series) or rules.save_rule(
        by=organizer,
        series=series,
        fields={
            "issuer_name": "草加市 健康福祉部 福祉政策課",
            "document": CompletionRule.Document.COMPLETION,
            "seal_omitted": True,
        },
    )
    outcome = certificates.issue_all(by=organizer, rule=rule)
    if stdout is not None:
        stdout.write(
            f"Records demo: {len(outcome.issued)} certificates issued for {series.title} "
            f"({outcome.already} already held one, {outcome.not_completed} did not attend both sessions)."
        )
