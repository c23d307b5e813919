"""Group work for the casebook's 自治体間意見交換会 第2回 (2022年3月11日): breakout groups that
mix the seven municipalities (locked, so each participant sees theirs), the assessment
sheets shared within each group, the lecturer's slides, the recording link and the questions
the municipalities sent in (sorted, taken up and published). Goes through
the same services as the pages; idempotent.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, time, timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import pdf
from events.models import Event, Registration
from groupwork import materials, questions, services
from groupwork.models import AskedQuestion, GroupPlan, JobRole, Material, Profile
from surveys.models import Form, Submission

SLIDES_TITLE = "【事例紹介】坂井市の重層的支援体制構築に向けた取り組み（講師スライド）"
RECORDING_TITLE = "当日の録画（出席者のみ）"
SLIDES_HTML = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>
@page { size: A4 landscape; margin: 20mm; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; }
h1 { font-size: 28pt; } p { font-size: 16pt; } section { break-after: page; }
</style></head><body>
<section><h1>坂井市の重層的支援体制構築に向けた取り組み</h1>
<p>福井県坂井市 健康福祉部 福祉総務課</p><p>自治体間意見交換会 第2回　2022年3月11日（金）</p></section>
<section><h1>取り組みの経緯</h1><p>・分野ごとの相談窓口をつなぐ「断らない相談支援」</p>
<p>・庁内連携会議と地域の関係機関との事例検討</p><p>・参加支援・地域づくりの担い手の発掘</p></section>
<section><h1>意見交換のテーマ</h1><p>アセスメントシートで見えた各自治体の課題を、グループで共有してください。</p></section>
</body></html>"""


def _event() -> Event | None:
    return (
        Event.objects.filter(starts_at__date=date(2022, 3, 11), kind=Event.Kind.EXCHANGE_MEETING)
        .order_by("id")
        .first()
    )


def _organizer(event: Event) -> User:
    # The sponsor's organizer (社会福祉法人ゆうゆう) runs the exchange meetings.
    return User.objects.get(email="organizer-yuyu@example.jp")


def _slides_pdf() -> bytes:
    module = pdf.weasyprint()
    if module is not None:
        return module.HTML(string=SLIDES_HTML).write_pdf()
    # Without Pango: a one-page PDF with the title in ASCII, still a real PDF.
    text = b"BT /F1 24 Tf 72 500 Td (Sakai city: building a multi-layered support system) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _groups(event: Event, organizer: User) -> GroupPlan:
    registrations = list(
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("user", "organization")
        .order_by("user__email")
    )
    # Everyone is 行政職員; the first person of each municipality (by address) facilitates,
    # so every group gets a facilitator from a different city.
    seen: set[int] = set()
    for registration in registrations:
        root = registration.organization.root() if registration.organization_id else None
        facilitator = root is not None and root.pk not in seen
        if root is not None:
            seen.add(root.pk)
        Profile.objects.update_or_create(
            event=event,
            user=registration.user,
            defaults={"job_role": JobRole.ADMINISTRATION, "facilitator": facilitator},
        )
    # Groups of about four; as few people of one municipality per group as the largest
    # municipality allows (one each when it sends no more people than there are groups).
    roots = Counter(r.organization.root().pk for r in registrations if r.organization_id)
    groups = math.ceil(len(registrations) / 4)
    services.generate(
        event,
        by=organizer,
        data={
            "group_size": 4,
            "max_per_organization": max(1, math.ceil(max(roots.values(), default=1) / groups)),
            "spread_kinds": True,
            "spread_roles": True,
            "facilitators": True,
            "seed": 20220311,
        },
    )
    return services.set_locked(event, by=organizer, locked=True)


def _materials(event: Event, organizer: User) -> None:
    if Material.objects.filter(event=event).exists():
        return
    item = event.program_items.filter(title__contains="自治体間意見交換").first()
    materials.add(
        event,
        by=organizer,
        title=SLIDES_TITLE,
        audience=Material.Audience.REGISTRANTS,
        visible_from=Material.Visible.NOW,
        program_item_id=item.pk if item else None,
        upload=SimpleUploadedFile("sakai-slides.pdf", _slides_pdf(), content_type="application/pdf"),
    )
    materials.add(
        event,
        by=organizer,
        title=RECORDING_TITLE,
        audience=Material.Audience.ATTENDEES,
        visible_from=Material.Visible.AFTER,
        url="https://zoom.example.jp/rec/share/8200000001",
    )


def _sharing(event: Event, organizer: User, plan: GroupPlan) -> int:
    """The 自治体アセスメントシート opened to sharing within the groups; every municipality
    that sent one agreed except 釧路市 (so the page shows that only consented sheets go).
    The meeting was in 2022: the follow-up period is set a year from the day the demo is
    loaded, so the shared sheets can be read in the demo."""
    form = Form.objects.filter(event=event, starter="assessment").first()
    if form is None:
        return 0
    if not form.share_with_group:
        Form.objects.filter(pk=form.pk).update(share_with_group=True)
        for sheet in Submission.objects.filter(form=form, event=event, status=Submission.Status.SUBMITTED):
            if sheet.organization and sheet.organization.name != "釧路市":
                sheet.share_with_group = True
                sheet.share_consented_at = sheet.submitted_at
                sheet.save(update_fields=["share_with_group", "share_consented_at"])
    if plan.share_until is None or plan.share_until < timezone.now():
        services.set_share_until(event, by=organizer, until=timezone.now() + timedelta(days=365))
    return Submission.objects.filter(form=form, event=event, share_with_group=True).count()


# Demo questions (not from the casebook): (municipality, question, topic, taken up, name shown).
QUESTIONS = [
    (
        "行田市",
        "庁内の複数の課が関わる中で、重層的支援体制整備事業の所管部署をどのように決めましたか。",
        "庁内体制",
        True,
        True,
    ),
    (
        "草加市",
        "財政部局との折衝では、事業の必要性をどのような資料で説明しましたか。",
        "庁内体制",
        True,
        True,
    ),
    (
        "苫小牧市",
        "参加支援の受け皿となる社会資源を、どのように開発・発掘しましたか。",
        "参加支援・地域づくり",
        True,
        False,
    ),
    (
        "大牟田市",
        "包括的相談支援事業の委託先との役割分担を、どのように整理しましたか。",
        "相談支援",
        True,
        True,
    ),
    ("釧路市", "多機関協働事業のケース会議は、どのくらいの頻度で開いていますか。", "相談支援", False, True),
]
QUESTIONS_DEADLINE = (date(2022, 3, 4), 17)


def _questions(event: Event, organizer: User) -> int:
    """The 事前質問 of the municipalities, sorted by topic, taken up and published."""
    if questions.box_for(event) is not None:
        return AskedQuestion.objects.filter(box__event=event).count()
    day, hour = QUESTIONS_DEADLINE
    deadline = timezone.make_aware(datetime.combine(day, time(hour)))
    item = event.program_items.filter(title__contains="自治体間意見交換").first()
    questions.open_box(
        event,
        by=organizer,
        closes_at=deadline,
        program_item_id=item.pk if item else None,
        instructions="アセスメントシートを基にした意見交換で取り上げたい質問を、自治体ごとにお寄せください。",
    )
    registrations = Registration.objects.filter(
        event=event, status=Registration.Status.CONFIRMED
    ).select_related("organization", "user")
    asker_of = {}
    for registration in registrations.order_by("user__email"):
        if registration.organization_id:
            asker_of.setdefault(registration.organization.root().name, registration.user)
    rows = {}
    for order, (city, text, topic, taken, shown) in enumerate(QUESTIONS, start=1):
        user = asker_of.get(city)
        if user is None:
            continue
        question = questions.submit(
            event, by=user, text=text, show_organization=shown, now=deadline - timedelta(days=3, hours=order)
        )
        rows[question.pk] = (topic, order, taken)
    if rows:
        questions.arrange(event, by=organizer, rows=rows)
        questions.set_published(event, by=organizer, published=True)
    return len(rows)


def load(stdout=None) -> None:
    event = _event()
    if event is None:
        return
    organizer = _organizer(event)
    with transaction.atomic():
        plan = GroupPlan.objects.filter(event=event).first()
        if plan is None or not plan.is_locked:
            plan = _groups(event, organizer)
        _materials(event, organizer)
        shared = _sharing(event, organizer, plan)
        asked = _questions(event, organizer)
    if stdout is not None:
        stdout.write(
            f"Group work: {plan.groups.count()} locked groups, {shared} assessment sheets shared within them, "
            f"{Material.objects.filter(event=event).count()} materials and {asked} questions sent in for {event}."
        )
