"""Each municipality's engagement record: writing it, reading it like the casebook, PDF."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Engagement
from tests.factories import (
    EventSeriesFactory,
    OrganizationFactory,
    ProgramItemFactory,
    SpeakerFactory,
    person,
)
from tests.reports import factories as f

TZ = timezone.get_default_timezone()


def _form_data(**overrides):
    data = {
        "department": "福祉政策課 政策総務係",
        "trigger": "平成30年度以前より、CSWの設置についての検討はあった。",
        "history": "平成30年度よりモデル事業を実施している。\n→CSWを設置（3名・社会福祉協議会に委託）",
        "awareness": "関係部署において、重層的支援体制整備事業の必要性についての認識に差がある。",
        "vision": "(地域福祉計画より)",
        "other_outcomes": "",
        "challenges": "参加支援の具体化",
        "goals-TOTAL_FORMS": "2",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "20",
        "goals-0-text": "地域関係者が地域共生社会の理念を理解し、共通認識を持つ",
        "goals-0-outcome": "理解が深まった。\n意義を感じることができた。",
        "goals-1-text": "",
        "goals-1-outcome": "",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-MIN_NUM_FORMS": "0",
        "activities-MAX_NUM_FORMS": "20",
        "activities-0-title": "地域共生社会の実現に向けた人材育成研修の実施",
    }
    data.update(overrides)
    return data


@pytest.fixture
def soka_series(municipality):
    series = EventSeriesFactory(hosts=[municipality])
    event = f.held_event(
        hosts=[municipality],
        when=dt.datetime(2022, 1, 25, 15, tzinfo=TZ),
        series=series,
        number=1,
        audience="行政職員、包括的相談支援事業職員、地域づくり事業職員等",
    )
    event.speakers.add(SpeakerFactory(name="石川 紀子", affiliation="厚生労働省"))
    ProgramItemFactory(event=event, starts_at=dt.time(14, 45), title="Zoom開場")
    ProgramItemFactory(event=event, starts_at=dt.time(15, 0), title="草加市より開催挨拶")
    return series


@pytest.mark.django_db
def test_organizer_writes_the_record_and_it_reads_like_the_casebook(
    client, organizer, municipality, soka_series
):
    client.force_login(organizer)
    url = reverse("reports:engagement_edit", args=[2021, municipality.pk])
    form = client.get(url)
    assert form.status_code == 200
    choices = dict(form.context["activities"].forms[0].fields["series"].choices)
    assert str(soka_series.pk) in choices

    response = client.post(url, _form_data(**{"activities-0-series": [str(soka_series.pk)]}))
    assert response.status_code == 302
    engagement = Engagement.objects.get(organization=municipality, fiscal_year=2021)
    assert [g.text for g in engagement.goals.all()] == [
        "地域関係者が地域共生社会の理念を理解し、共通認識を持つ"
    ]
    assert engagement.goals.get().outcome_lines == ["理解が深まった。", "意義を感じることができた。"]
    assert list(engagement.activities.get().series.all()) == [soka_series]

    page = client.get(response["Location"])
    html = page.content.decode()
    for text in (
        "福祉政策課 政策総務係",
        "→CSWを設置（3名・社会福祉協議会に委託）",
        "地域共生社会の実現に向けた人材育成研修の実施",
        "草加市より開催挨拶",
        "石川 紀子",
        "行政職員、包括的相談支援事業職員、地域づくり事業職員等",
        "意義を感じることができた。",
        "参加支援の具体化",
        "2022年1月25日（火）15:00〜17:00",
    ):
        assert text in html, text
    # The 現状認識 table reads row by row with headers.
    assert html.count('<th scope="row">') >= 5


@pytest.mark.django_db
def test_coordinator_of_a_department_may_write(client, municipality):
    dept = OrganizationFactory(name="福祉政策課", parent=municipality)
    coordinator = person(role="coordinator", organization=dept)
    client.force_login(coordinator)
    response = client.post(reverse("reports:engagement_edit", args=[2021, municipality.pk]), _form_data())
    assert response.status_code == 302
    assert Engagement.objects.filter(organization=municipality, fiscal_year=2021).exists()


@pytest.mark.django_db
def test_outcome_without_goal_is_refused_beside_the_field(client, organizer, municipality):
    client.force_login(organizer)
    response = client.post(
        reverse("reports:engagement_edit", args=[2021, municipality.pk]),
        _form_data(**{"goals-1-outcome": "成果だけ"}),
    )
    assert response.status_code == 400
    assert response.context["goals"].forms[1].errors["text"]
    assert not Engagement.objects.exists()


@pytest.mark.django_db
def test_event_of_another_municipality_cannot_be_linked(client, organizer, municipality, other_municipality):
    theirs = f.held_event(hosts=[other_municipality], when=dt.datetime(2021, 6, 1, 10, tzinfo=TZ))
    client.force_login(organizer)
    response = client.post(
        reverse("reports:engagement_edit", args=[2021, municipality.pk]),
        _form_data(**{"activities-0-events": [str(theirs.pk)]}),
    )
    assert response.status_code == 400
    assert not Engagement.objects.exists()


@pytest.mark.django_db
def test_resaving_replaces_goals(client, organizer, municipality):
    client.force_login(organizer)
    url = reverse("reports:engagement_edit", args=[2021, municipality.pk])
    client.post(url, _form_data())
    client.post(url, _form_data(**{"goals-0-text": "新しい目標", "goals-0-outcome": ""}))
    engagement = Engagement.objects.get()
    assert [g.text for g in engagement.goals.all()] == ["新しい目標"]


@pytest.mark.django_db
def test_municipality_page_pdf(client, reviewer, municipality, soka_series):
    pytest.importorskip("weasyprint")
    Engagement.objects.create(organization=municipality, fiscal_year=2021, department="福祉政策課 政策総務係")
    client.force_login(reviewer)
    response = client.get(reverse("reports:municipality", args=[2021, municipality.pk]), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # A Japanese font is embedded (font objects may sit in compressed object streams).
    streams = list(_streams(response.content))
    assert any(b"NotoSansCJK" in s or b"NotoSerifCJK" in s for s in [response.content, *streams])


def _streams(pdf: bytes):
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            continue
