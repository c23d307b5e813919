"""The demo: 2021年度 for 草加市 and 苫小牧市 in the casebook's words, with attendance."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from accounts.models import User
from demo import reports as demo
from events.models import Event, Registration
from reports.models import Engagement

A = Registration.Attendance


@pytest.fixture
def loaded(db):
    from demo import events as events_demo

    events_demo.load(None)
    out = io.StringIO()
    demo.load(out)
    return out.getvalue()


def _snapshot():
    return (
        list(Engagement.objects.values_list("organization__name", "department", "updated_at").order_by("pk")),
        list(Registration.objects.values_list("pk", "attendance", "attendance_minutes").order_by("pk")),
    )


@pytest.mark.django_db
def test_demo_is_idempotent_and_casebook_faithful(loaded):
    before = _snapshot()
    demo.load(io.StringIO())
    assert _snapshot() == before

    soka = Engagement.objects.get(organization__name="草加市", fiscal_year=2021)
    assert soka.department == "福祉政策課 政策総務係"
    assert [g.text for g in soka.goals.all()] == [
        "地域関係者が地域共生社会の理念を理解し、共通認識を持つ",
        "地域資源の把握及び関係機関間で協働する意義の理解を通じて、参加支援の具体的なイメージを持つ",
    ]
    assert "困難事例の検討により他機関との連携イメージが創発され" in soka.goals.all()[1].outcome
    assert [a.title for a in soka.activities.all()] == [
        "地域共生社会の実現に向けた人材育成研修の実施",
        "自治体間意見交換会への参加",
    ]
    assert all(a.series.exists() for a in soka.activities.all())

    tomakomai = Engagement.objects.get(organization__name="苫小牧市", fiscal_year=2021)
    assert tomakomai.department == "福祉部総合福祉課"
    assert [g.text for g in tomakomai.goals.all()] == [
        "参加支援、地域づくり支援等に活用可能な社会資源を開発する",
        "専門職の企画立案力や伝達力を養成する",
    ]
    assert tomakomai.other_outcomes.startswith("自治体間意見交換会にて")


@pytest.mark.django_db
def test_demo_attendance_is_plausible(loaded):
    held = Event.objects.filter(status=Event.Status.COMPLETED, starts_at__year=2022, starts_at__month__lte=3)
    assert held.count() == 5
    for event in held:
        confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED)
        attended = confirmed.filter(attendance=A.ATTENDED).count()
        assert 0.84 <= attended / confirmed.count() <= 0.96, event
        assert not confirmed.filter(attendance=A.UNKNOWN).exists()
    cancelled = Event.objects.get(status=Event.Status.CANCELLED, starts_at__year=2022, starts_at__month=2)
    assert not cancelled.registrations.exclude(attendance=A.UNKNOWN).exists()


@pytest.mark.django_db
def test_reviewer_sees_2021_and_the_soka_page_reads_like_the_casebook(client, loaded):
    reviewer = User.objects.get(email="reviewer@example.jp")
    client.force_login(reviewer)
    board = client.get(reverse("reports:dashboard"), {"year": 2021})
    assert board.status_code == 200
    labels = {g.label for g in board.context["board"].municipalities}
    assert {"草加市", "苫小牧市"} <= labels
    soka = next(g for g in board.context["board"].municipalities if g.label == "草加市")
    assert soka.figures.held == 4 and soka.figures.attendance_rate > 0.8

    page = client.get(reverse("reports:municipality", args=[2021, soka.organization.pk])).content.decode()
    for text in (
        "平成30年度以前より、CSWの設置についての検討はあった。",
        "地域関係者が地域共生社会の理念を理解し、共通認識を持つ",
        "地域共生社会の実現に向けた人材育成研修の実施",
        "草加市より開催挨拶",
        "2022年1月25日（火）15:00〜17:00",
        "埼玉県行田市（健康福祉部 福祉課、子ども未来課、高齢者福祉課、保健センター）",
        "自治体間意見交換会にて重層的支援体制整備事業を既に実施している自治体の実例を知ることができ",
    ):
        assert text in page, text
