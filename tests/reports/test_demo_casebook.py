"""The demo tells the casebook's story faithfully (issue 13, item 8)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from events.models import Event, Registration


@pytest.fixture
def demo(db):
    from demo import loader

    loader.load(None)


def _event(series_title: str, number: int) -> Event:
    return Event.objects.get(series__title=series_title, number=number)


@pytest.mark.django_db
def test_the_casebooks_sessions_read_as_it_prints_them(client, demo):
    soka2 = _event("地域共生社会の実現に向けた人材育成研修", 2)
    html = client.get(soka2.get_absolute_url()).content.decode()
    # Lecturers in the casebook's order, not sorted by kana (大原 would come first).
    assert html.index("猿渡 進平") < html.index("大原 裕介")
    # The (B) wording is the same on the event page and on the form.
    assert "(B)「連携が難しかった／連携したが解決に結びつかなかったケース」" in html
    from surveys.models import Question

    label = Question.objects.get(form__event=soka2, key="case_difficult").label
    assert label == "(B) 連携が難しかった／連携したが解決に結びつかなかったケース"
    # The public page says a 事前課題シート is required; a registrant gets the link.
    assert "事前課題シート" in html and "事前課題の提出が必要です" in html
    participant = User.objects.get(email="participant@example.jp")
    client.force_login(participant)
    mine = client.get(soka2.get_absolute_url()).content.decode()
    assert "/fill/" in mine
    client.logout()

    exchange = _event("自治体間意見交換会", 2)
    html = client.get(exchange.get_absolute_url()).content.decode()
    assert html.index("斎藤 正晃") < html.index("江崎 崇")
    assert "埼玉県行田市（健康福祉部 福祉課、子ども未来課、高齢者福祉課、保健センター）" in html
    # Its participants are not the casebook's: the page says so, and no 申込時点 snapshot is invented.
    assert "デモ用の架空の値" in html
    assert exchange.count_at_deadline is None and exchange.doors_open_at is None

    # 実践研修 is ⑦ フィールドワークを通じた実践的研修; 第1回's reason is not invented.
    cancelled = _event("実践研修", 1)
    assert cancelled.kind == Event.Kind.FIELDWORK and "フィールドワーク" in cancelled.series.description
    assert "新型コロナ" not in cancelled.cancel_reason and "記載はありません" in cancelled.cancel_reason
    second = _event("実践研修", 2)
    assert second.doors_open_at is None and second.registration_closes_at is None
    assert second.count_at_deadline == 25


@pytest.mark.django_db
def test_the_casebooks_outcomes_have_their_ocr_slips_corrected(client, demo):
    from reports.models import Engagement

    text = " ".join(
        [
            f"{e.history} {e.awareness} {e.other_outcomes} {e.challenges} "
            + " ".join(g.outcome for g in e.goals.all())
            for e in Engagement.objects.all()
        ]
    )
    for slip in ("なつた", "とられない", "7団域", "デイスカッション", "かつた"):
        assert slip not in text, slip
    assert "とらわれない" in text and "7圏域" in text and "ディスカッション" in text


@pytest.mark.django_db
def test_participants_are_plausible(demo):
    for event in Event.objects.exclude(status=Event.Status.CANCELLED):
        names = list(event.registrations.active().values_list("user__full_name", flat=True))
        assert len(names) == len(set(names)), f"a name repeats in {event}"
        if event.online_url:
            assert event.online_meeting_id, event
            assert re.sub(r"\D", "", event.online_meeting_id) in event.online_url, event
    # An internal 草加市 training: 草加市 and its partners (社協, 地域包括), nobody from elsewhere.
    soka1 = _event("地域共生社会の実現に向けた人材育成研修", 1)
    roots = {
        r.organization.root().name
        for r in Registration.objects.filter(event=soka1).select_related("organization")
    }
    assert roots == {"草加市", "草加市社会福祉協議会", "草加市地域包括支援センター"}
    # The exchange meetings: the seven municipalities' staff.
    exchange = _event("自治体間意見交換会", 1)
    roots = {
        r.organization.root().name
        for r in Registration.objects.filter(event=exchange).select_related("organization")
    }
    assert roots == {"行田市", "草加市", "苫小牧市", "釧路市", "大牟田市", "坂井市", "豊田市"}


@pytest.mark.django_db
def test_the_sponsor_sees_the_assessment_sheet_per_municipality(client, demo):
    client.force_login(User.objects.get(email="reviewer@example.jp"))
    html = client.get(reverse("reports:dashboard"), {"year": 2021}).content.decode()
    assert "自治体アセスメントシート" in html
    assert html.count("提出済み") >= 6
