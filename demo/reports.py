"""Demo data for reports: 2021年度 engagements of 草加市 and 苫小牧市, in the casebook's
words, and attendance for the 2022 sessions the events demo created.

Idempotent: an engagement is written only when it does not exist yet (someone may have
edited it since), activities are linked with add(), and attendance is recorded only on
events where nothing has been recorded.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from events.models import Event, EventSeries, Registration
from reports.models import Activity, Engagement, Goal

FISCAL_YEAR = 2021
DEMO_PARTICIPANT = "participant@example.jp"
TRAINING_SERIES = "地域共生社会の実現に向けた人材育成研修"
EXCHANGE_SERIES = "自治体間意見交換会"
PRACTICE_SERIES = "実践研修"

SOKA = {
    "department": "福祉政策課 政策総務係",
    "trigger": "平成30年度以前より、CSWの設置についての検討はあった。",
    "history": "\n".join(
        [
            "平成30年度よりモデル事業を実施している。",
            "→CSWを設置（3名・社会福祉協議会に委託）",
            "CSWの役割：制度の狭間の相談を受ける",
            "→市内にも相談支援包括化推進員を設置",
        ]
    ),
    "awareness": "\n".join(
        [
            "社会福祉協議会は、重層的支援体制整備事業を、地域福祉の推進に向けて「実施が必要な事業」であるという認識をしている。",
            "関係部署において、重層的支援体制整備事業の必要性についての認識に差がある。",
            "厳しい人員体制の中で業務を実施しており、事業実施に伴い、従来業務に更なる業務が上乗せされるような印象だと絶される恐れがある。",
            "「断らない相談支援」「参加支援」等をどこまでやるのか、どういった実施イメージになるのかなどについての共通認識づくりが難しい。",
            "令和4年度からの事業実施に向けた財務部との折衝に着手する予定である。",
        ]
    ),
    "vision": "(地域福祉計画より)\n"
    "「全ての市民が、障がいの有無や介護の必要性にかかわらず、地域社会の中でその人らしく、いきいきと安心して暮らすことのできるまち」",
    "other_outcomes": "",
    "challenges": "",
    "goals": [
        (
            "地域関係者が地域共生社会の理念を理解し、共通認識を持つ",
            [
                "自治体職員、専門職を対象に重層的支援体制整備事業の政策説明を行うことで、地域共生社会の理念に対する理解が深まった。",
                "また、地域関係者が重層的支援体制整備事業の意義を感じることができた。",
            ],
        ),
        (
            "地域資源の把握及び関係機関間で協働する意義の理解を通じて、参加支援の具体的なイメージを持つ",
            [
                "自治体間意見交換会にて重層的支援体制整備事業を既に実施している自治体の実例を知ることができ、関係部署内の職員の重層的支援体制整備事業の意義に対する理解が深まったことで、対外的に当該事業の意義を訴求しやすくなつた。",
                "研修を実施することで、多機関での顔の見える関係を構築することができた。",
                "多機関で困難事例を検討することで、多機関で交流することができ、多機関での顔の見える関係を構築することができた。",
                "困難事例の検討により他機関との連携イメージが創発され、どういったケースにどのような機関と連携して対応にあたるべきかを考えることができた。",
            ],
        ),
    ],
    "activities": [
        ("地域共生社会の実現に向けた人材育成研修の実施", TRAINING_SERIES),
        ("自治体間意見交換会への参加", EXCHANGE_SERIES),
    ],
}

TOMAKOMAI = {
    "department": "福祉部総合福祉課",
    "trigger": "高齢者・障がい者、生活困窮者等の分野を超えた複合的な課題に包括的・一元的に対応する窓口機能を検討してきた。",
    "history": "\n".join(
        [
            "令和元年度、地域共生社会を考える地域福祉セミナーを実施し、デイスカッションを通じて地域包括支援センター7団域の課題を発見した。",
            "同年に共生社会を考えるシンポジウムを実施した。",
        ]
    ),
    "awareness": "専門職の間でも経験や能力にばらつきがあり、重層的支援体制整備の意義についての理解に差異が見られる。",
    "vision": "(地域福祉計画より)\n「誰もが住み慣れた地域の中で、心豊かに安心して暮らしていくまち」",
    "other_outcomes": "自治体間意見交換会にて重層的支援体制整備事業を既に実施している自治体の実例を知ることができ、関係部署内の職員の重層的支援体制整備事業の意義に対する理解が深まったことで、対外的に当該事業の意義を訴求しやすくなつた。",
    # The casebook names these two as 今後の課題 inside its outcomes.
    "challenges": "\n".join(
        [
            "フィールドワークを実施できなかつたため、社会資源の開発は今後の課題となる。",
            "企画した内容を実践していくことが今後の課題となる。",
        ]
    ),
    "goals": [
        (
            "参加支援、地域づくり支援等に活用可能な社会資源を開発する",
            [
                "自治体職員、専門職を対象に研修を実施することで、福祉分野にとられない他分野との協働が重要であることを理解することができた。フィールドワークを実施できなかつたため、社会資源の開発は今後の課題となる。",
            ],
        ),
        (
            "専門職の企画立案力や伝達力を養成する",
            [
                "研修内でワークシートの記入やディスカッションを行ったことで、他分野との協働を企画に落とし込むイメージが湧いた。企画した内容を実践していくことが今後の課題となる。",
            ],
        ),
    ],
    "activities": [
        ("実践研修の実施", PRACTICE_SERIES),
        ("自治体間意見交換会への参加", EXCHANGE_SERIES),
    ],
}


def _municipality(name: str, prefecture: str) -> Organization:
    org, _created = Organization.objects.get_or_create(
        name=name, prefecture=prefecture, parent=None, defaults={"kind": Organization.Kind.MUNICIPALITY}
    )
    return org


def _engagement(org: Organization, text: dict) -> tuple[Engagement, bool]:
    engagement, created = Engagement.objects.get_or_create(organization=org, fiscal_year=FISCAL_YEAR)
    if created:
        for name in (
            "department",
            "trigger",
            "history",
            "awareness",
            "vision",
            "other_outcomes",
            "challenges",
        ):
            setattr(engagement, name, text[name])
        engagement.save()
        for order, (goal, outcomes) in enumerate(text["goals"]):
            Goal.objects.create(engagement=engagement, order=order, text=goal, outcome="\n".join(outcomes))
        for order, (title, _series) in enumerate(text["activities"]):
            Activity.objects.create(engagement=engagement, order=order, title=title)
    # Linking is repeated on every run: the series may appear after the first load.
    for activity in engagement.activities.all():
        series_title = dict(text["activities"]).get(activity.title)
        if series_title:
            activity.series.add(*EventSeries.objects.filter(title=series_title))
    return engagement, created


def _attendance(event: Event) -> int:
    """Mark 85–95 % of confirmed registrants attended; of the others about a third left
    early and the rest were absent."""
    regs = list(event.registrations.confirmed().select_related("user").order_by("id"))
    if not regs or any(r.attendance != Registration.Attendance.UNKNOWN for r in regs):
        return 0
    # Seeded by what the event is, not its id, so every fresh database gets the same figures.
    rng = random.Random(f"attendance-{event.title}-{event.number}-{event.starts_at:%Y%m%d}")
    attended = round(len(regs) * rng.uniform(0.85, 0.95))
    rng.shuffle(regs)
    # The demo participant login is among those who attended (so that login shows a
    # certificate); the shares stay as drawn.
    regs.sort(key=lambda r: r.user.email != DEMO_PARTICIPANT)
    duration = int((event.ends_at - event.starts_at).total_seconds() // 60)
    arrival = event.doors_open_at or event.starts_at
    for index, reg in enumerate(regs):
        if index < attended:
            reg.attendance = Registration.Attendance.ATTENDED
            reg.attendance_minutes = rng.randrange(duration - 10, duration + 15)
        elif rng.random() < 1 / 3:
            reg.attendance = Registration.Attendance.LEFT_EARLY
            reg.attendance_minutes = rng.randrange(duration // 3, duration // 2)
        else:
            reg.attendance = Registration.Attendance.ABSENT
            reg.attendance_minutes = None
        if event.is_in_person and reg.attendance != Registration.Attendance.ABSENT:
            reg.checked_in_at = arrival + timedelta(minutes=rng.randrange(0, 35))
            reg.attendance_minutes = None  # minutes come from Zoom; a venue has none
        reg.updated_at = timezone.now()
    Registration.objects.bulk_update(
        regs, ["attendance", "attendance_minutes", "checked_in_at", "updated_at"]
    )
    return len(regs)


@transaction.atomic
def load(stdout) -> None:
    soka = _municipality("草加市", "埼玉県")
    tomakomai = _municipality("苫小牧市", "北海道")
    written = [org.name for org, text in ((soka, SOKA), (tomakomai, TOMAKOMAI)) if _engagement(org, text)[1]]
    held = Event.objects.filter(
        series__title__in=[TRAINING_SERIES, EXCHANGE_SERIES, PRACTICE_SERIES],
        starts_at__year=2022,
        starts_at__month__lte=3,
        status__in=[Event.Status.COMPLETED, Event.Status.PUBLISHED],
        ends_at__lt=timezone.now(),
    )
    marked = sum(_attendance(event) for event in held)
    if stdout is not None:
        stdout.write(
            f"Reports demo: engagements for 2021年度 ({', '.join(written) or 'already there'}), "
            f"attendance recorded for {marked} registrations."
        )
