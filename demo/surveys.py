"""Demo answers for the casebook's 2022 sessions (called by `manage.py load_demo`).

Idempotent: a form is added once per event and template, and answers are only
written while that form has none. Answers go through the same service as the
browser (validation included), dated inside each form's window.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import Membership, User
from events.models import Event, Registration
from surveys import answering, building
from surveys.aggregation import aggregate_now
from surveys.anonymity import release_due
from surveys.models import Form, Question
from surveys.starters import OTHER_LABEL

SUCCESS_CASES = [
    "80代の母と50代の無職の息子の世帯。地域包括支援センターが母の介護相談で訪問した際に息子の困りごとに気づき、生活困窮の窓口と一緒に訪問した。",
    "ごみ屋敷状態の高齢単身世帯。民生委員からの相談をきっかけに、社協・環境部局・地域包括で役割分担して片付けと見守りにつなげた。",
    "ヤングケアラーの中学生。学校のスクールソーシャルワーカーから連絡があり、障がい福祉と子ども家庭支援の担当が合同でケース会議を開いた。",
    "精神疾患のある30代女性の家賃滞納。住まいの相談窓口と障がい者相談支援事業所が連携し、家計改善支援と通院再開につながった。",
]
SUCCESS_FACTORS = [
    "日頃から顔の見える関係があり、電話一本で相談できた。",
    "最初に相談を受けた職員が「自分の担当外」と切らずに、一緒に動いてくれる機関を探した。",
    "ケース会議で支援の目標と役割分担をはっきりさせ、記録を共有した。",
    "本人の思いを丁寧に聞き取り、本人のペースに合わせて支援を組み立てた。",
]
DIFFICULT_CASES = [
    "8050世帯で息子が支援を拒否しており、母の入院後に連絡が途絶えてしまった。",
    "多頭飼育の高齢夫婦。近隣からの苦情はあったが、どこが主担当になるか決まらないまま時間が過ぎた。",
    "外国籍の家族で言葉の壁があり、制度の説明が十分にできなかった。",
    "障がいのある子と要介護の親が同居する世帯で、制度ごとに担当が分かれ、全体を見る人がいなかった。",
]
WANTED_AGENCIES = ["動物愛護センター", "ハローワーク", "国際交流協会", "法テラス", "保健所", "不動産業者"]
WANTED_RESOURCES = [
    "気軽に立ち寄れる居場所",
    "緊急時に一時的に泊まれる場所",
    "通訳ボランティア",
    "ひきこもりの人が少しずつ働ける場",
    "ペットの一時預かり",
]
POSITIONS = [
    "地域包括支援センター 社会福祉士",
    "社協 CSW",
    "相談支援専門員",
    "市役所 ケースワーカー",
    "訪問看護師",
]
COURSES = [
    "電気代の支払いに来た男性が、翌月から姿を見せなくなった。近所の人から、夜に公園で過ごしていると聞いた。",
    "後見人として関わる中で、夫婦の名義の物件が複数残っており、契約手続きが進まなかった。",
    "デイサービスの利用者の家族が仕事を辞めて介護しており、家計が苦しいと打ち明けられた。",
    "子ども食堂に来る兄弟の服が毎回同じで、家の様子が気になっていた。",
]
CONNECTIONS = [
    "電力会社や新聞販売店など、日常的に訪問する事業者とつながればよかった。",
    "司法書士会や法テラスに早めに相談すればよかった。",
    "ハローワークの生活保護受給者等就労自立促進事業の担当。",
    "学校と民生委員・児童委員。",
]
USEFUL_COMMENTS = [
    "他の機関の方と同じケースを話し合うことで、自分の機関だけでは気づけない視点を得られた。",
    "国の説明で重層的支援体制整備事業の全体像がようやくつかめた。",
    "坂井市・豊田市の具体的な取り組みが参考になった。",
    "グループの中で自分の悩みを話せたのがよかった。",
    "「断らない相談」の実際の進め方が分かった。",
]
REQUESTS = [
    "もう少しグループワークの時間を長くしてほしい。",
    "対面での開催も検討してほしい。",
    "実際の事例をもっと聞きたい。",
    "参加支援事業の具体例を知りたい。",
    "資料を事前に配布してほしい。",
]


def _event(day: date, *, title_contains: str = "") -> Event | None:
    qs = Event.objects.filter(starts_at__date=day).exclude(status=Event.Status.CANCELLED)
    if title_contains:
        qs = qs.filter(title__contains=title_contains)
    return qs.order_by("id").first()


def _form(event: Event, starter: str) -> Form:
    form = Form.objects.filter(event=event, starter=starter).first()
    if form is None:
        organizer = (
            User.objects.filter(
                memberships__role=Membership.Role.ORGANIZER, memberships__organization__in=event.hosts.all()
            )
            .order_by("id")
            .first()
        )
        form = building.build_from_starter(starter=starter, event=event, created_by=organizer)
    return form


def _questions(form: Form) -> dict[str, Question]:
    return {q.key: q for q in Question.objects.filter(form=form).prefetch_related("choices")}


def _choice(question: Question, label: str) -> str:
    return str(next(c.pk for c in question.choices.all() if c.label == label))


def _registrations(event: Event) -> list[Registration]:
    return list(
        Registration.objects.confirmed()
        .filter(event=event)
        .select_related("user", "organization")
        .order_by("id")
    )


def _save(form, event, registration, data, when) -> None:
    who = answering.respondent_from_registration(form, registration)
    outcome = answering.save_answers(
        form, event=event, who=who, data=MultiValueDict(data), action="submit", now=when
    )
    if outcome.errors:
        raise RuntimeError(f"demo answers do not validate: {outcome.errors}")


def _prework(event: Event, rng: random.Random) -> Form:
    form = _form(event, "prework_soka")
    if form.submissions.exists():
        return form
    q = _questions(form)
    for i, registration in enumerate(_registrations(event)):
        if rng.random() < 0.15:
            continue  # some never sent it: the status page shows them
        data = {
            f"q{q['case_success'].pk}-0": [rng.choice(SUCCESS_CASES)],
            f"q{q['success_factors'].pk}-0": [rng.choice(SUCCESS_FACTORS)],
            f"q{q['case_difficult'].pk}-0": [rng.choice(DIFFICULT_CASES)],
            f"q{q['wanted_agencies'].pk}-0": ["、".join(rng.sample(WANTED_AGENCIES, 2))],
            f"q{q['wanted_resources'].pk}-0": [rng.choice(WANTED_RESOURCES)],
        }
        _save(form, event, registration, data, event.starts_at - timedelta(days=3, hours=i))
    return form


def _worksheet(event: Event, rng: random.Random) -> Form:
    form = _form(event, "worksheet")  # due when the session ends (filled in during it)
    if form.submissions.exists():
        return form
    q = _questions(form)
    section_id = q["age"].section_id
    for registration in _registrations(event):
        blocks = rng.choice([1, 1, 2, 2, 3])
        data = {f"s{section_id}-count": [str(blocks)]}
        for b in range(blocks):
            data[f"q{q['age'].pk}-{b}"] = [str(rng.choice([15, 42, 58, 70, 75, 83, 91]))]
            data[f"q{q['gender'].pk}-{b}"] = [_choice(q["gender"], rng.choice(["男性", "女性"]))]
            data[f"q{q['position'].pk}-{b}"] = [rng.choice(POSITIONS)]
            data[f"q{q['course'].pk}-{b}"] = [rng.choice(COURSES)]
            data[f"q{q['connect'].pk}-{b}"] = [rng.choice(CONNECTIONS)]
        _save(form, event, registration, data, event.starts_at + timedelta(minutes=65))
    return form


ASSESSMENT_FIGURES = {
    "草加市": ("健康福祉部 福祉政策課、子ども未来部、生活支援課", 250_000, "27.46"),
    "苫小牧市": ("福祉部 総合福祉課、介護福祉課", 170_000, "561.57"),
    "行田市": ("健康福祉部 福祉課、子ども未来課、高齢者福祉課、保健センター", 80_000, "67.49"),
    "釧路市": ("福祉部 生活福祉事務所", 165_000, "1362.90"),
    "大牟田市": ("保健福祉部 福祉課 総合相談担当", 110_000, "81.45"),
}


def _assessment(event: Event, rng: random.Random) -> Form:
    form = _form(event, "assessment")
    if form.submissions.exists():
        return form
    q = _questions(form)
    seen = set()
    for registration in _registrations(event):
        if registration.organization is None:
            continue
        root = registration.organization.root()
        if root.pk in seen:
            continue
        seen.add(root.pk)
        departments, population, area = ASSESSMENT_FIGURES.get(
            root.name, ("福祉部 福祉総務課", rng.randrange(30_000, 300_000), f"{rng.uniform(20, 800):.2f}")
        )
        agencies = rng.randint(2, 4)
        issues = rng.randint(2, 3)
        running = rng.sample(
            ["包括的相談支援事業", "参加支援事業", "地域づくり事業", "多機関協働事業"], rng.randint(1, 3)
        )
        data = {
            f"s{q['agency_name'].section_id}-count": [str(agencies)],
            f"s{q['issue'].section_id}-count": [str(issues)],
            f"q{q['departments'].pk}-0": [departments],
            f"q{q['created_on'].pk}-0": [(event.starts_at - timedelta(days=10)).date().isoformat()],
            # As typed on an office PC with the IME on: full-width digits and commas.
            f"q{q['population'].pk}-0": [
                f"{population:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
            ],
            f"q{q['area'].pk}-0": [area],
            f"q{q['projects_running'].pk}-0": [_choice(q["projects_running"], label) for label in running],
            f"q{q['projects_notes'].pk}-0": [
                "包括的相談支援事業は地域包括支援センターを中心に実施。参加支援・地域づくりは社協と検討中。"
            ],
        }
        for b in range(agencies):
            data[f"q{q['agency_name'].pk}-{b}"] = [
                [
                    "地域包括支援センター",
                    "障がい者相談支援センター",
                    "生活困窮者自立相談支援機関",
                    "子育て世代包括支援センター",
                ][b]
            ]
            data[f"q{q['contractor'].pk}-{b}"] = [
                rng.choice(["社会福祉協議会", "直営", "社会福祉法人", "NPO法人"])
            ]
        for b in range(issues):
            data[f"q{q['issue'].pk}-{b}"] = [
                [
                    "分野ごとに窓口が分かれており、複合的な課題を抱える世帯の全体像を誰も把握していない。",
                    "庁内で重層的支援体制整備事業の意義が共有されていない。",
                    "参加支援の受け皿となる地域資源が不足している。",
                ][b]
            ]
        _save(form, event, registration, data, event.starts_at - timedelta(days=5))
    return form


def _questionnaire(event: Event, rng: random.Random) -> Form:
    form = _form(event, "questionnaire")
    if form.submissions.exists():
        return form
    q = _questions(form)
    # Each session has its own mood, so the comparison across sessions shows something.
    lean = rng.choice([0.0, 0.4, 0.8])
    affiliations = [c.label for c in q["affiliation"].choices.all() if not c.is_other]
    useful = [c.label for c in q["useful_parts"].choices.all() if not c.is_other]
    for registration in _registrations(event):
        if rng.random() < 0.2:
            continue

        def point(base: float) -> str:
            return str(max(1, min(5, round(rng.gauss(base + lean, 0.9)))))

        before = point(2.2)
        data = {
            f"q{q['satisfaction'].pk}-0": [point(3.6)],
            f"q{q['understand_kyosei_before'].pk}-0": [before],
            f"q{q['understand_kyosei_after'].pk}-0": [str(min(5, int(before) + rng.choice([0, 1, 1, 2])))],
            f"q{q['understand_jusou_before'].pk}-0": [point(1.9)],
            f"q{q['understand_jusou_after'].pk}-0": [point(3.3)],
            f"q{q['usefulness'].pk}-0": [point(3.5)],
            f"q{q['useful_parts'].pk}-0": [
                _choice(q["useful_parts"], label) for label in rng.sample(useful, 2)
            ],
            f"q{q['attend_again'].pk}-0": [rng.choice(["yes", "yes", "yes", "no"])],
            f"q{q['affiliation'].pk}-0": [
                _choice(q["affiliation"], rng.choice(affiliations[:4] * 3 + affiliations[4:]))
            ],
        }
        if rng.random() < 0.6:
            data[f"q{q['useful_comment'].pk}-0"] = [rng.choice(USEFUL_COMMENTS)]
        if rng.random() < 0.4:
            data[f"q{q['requests'].pk}-0"] = [rng.choice(REQUESTS)]
        if rng.random() < 0.1:
            other = _choice(q["useful_parts"], OTHER_LABEL)
            data[f"q{q['useful_parts'].pk}-0"].append(other)
            data[f"q{q['useful_parts'].pk}-0-other"] = ["休憩中の雑談"]
        _save(form, event, registration, data, event.ends_at + timedelta(minutes=rng.randrange(1, 90)))
    return form


def load(stdout=None) -> None:
    done: list[tuple[Form, Event]] = []
    with transaction.atomic():
        soka2 = _event(date(2022, 2, 10))
        if soka2 is not None:
            done.append((_prework(soka2, random.Random(210)), soka2))
        exchange2 = _event(date(2022, 3, 11))
        if exchange2 is not None:
            done.append((_assessment(exchange2, random.Random(311)), exchange2))
        tomakomai2 = _event(date(2022, 3, 23))
        if tomakomai2 is not None:
            done.append((_worksheet(tomakomai2, random.Random(323)), tomakomai2))
        held = (
            Event.objects.filter(starts_at__year=2022, ends_at__lt=timezone.now())
            .exclude(status__in=[Event.Status.CANCELLED, Event.Status.DRAFT])
            .filter(starts_at__lt=timezone.make_aware(timezone.datetime(2022, 4, 1)))
            .order_by("starts_at")
        )
        for event in held:
            done.append((_questionnaire(event, random.Random(event.starts_at.toordinal())), event))
    # Results are computed here, synchronously, so the pages show charts at once.
    for form, event in done:
        if form.anonymous:
            release_due(form, event)  # closed long ago: released at once if k answered
        else:
            aggregate_now(form, event)
    if stdout is not None:
        stdout.write(f"Surveys: {len(done)} forms with answers and results.")
