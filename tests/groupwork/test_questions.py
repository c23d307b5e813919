"""The question box: deadline, who may ask, arranging, publication and the XLSX export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Membership
from events.models import ParticipatingOrganization
from groupwork import questions
from groupwork.models import AskedQuestion, QuestionBox
from tests.factories import EventFactory, ProgramItemFactory, RegistrationFactory, person

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2030, 3, 11, 13, 0, tzinfo=JST)
DEADLINE = dt.datetime(2030, 3, 4, 17, 0, tzinfo=JST)


@pytest.fixture
def exchange(municipality, other_municipality, participant, cities):
    """An exchange meeting of 草加市 (host) with 苫小牧市 and 行田市 taking part."""
    event = EventFactory(hosts=[municipality], starts_at=START, ends_at=START + dt.timedelta(hours=2))
    ProgramItemFactory(event=event, title="本日の流れの説明", order=0)
    ProgramItemFactory(event=event, title="【質疑応答】", details="参加自治体間で意見交換を行う。", order=1)
    for order, org in enumerate((municipality, other_municipality, cities[0])):
        ParticipatingOrganization.objects.create(event=event, organization=org, order=order)
    RegistrationFactory(event=event, user=participant, organization=municipality)
    return event


def _open(client, organizer, event):
    client.force_login(organizer)
    item = event.program_items.get(title="【質疑応答】")
    return client.post(
        reverse("groupwork:questions_manage", args=[event.pk]),
        {
            "closes_at": "2030-03-04T17:00",
            "program_item": str(item.pk),
            "instructions": "事前に質問をお寄せください。",
        },
    )


def _ask(client, user, event, text="参加支援の担い手をどう見つけましたか。", **extra):
    client.force_login(user)
    return client.post(
        reverse("groupwork:questions", args=[event.pk]), {"text": text, "as_key": "self", **extra}
    )


@time_machine.travel(DEADLINE - dt.timedelta(days=3), tick=False)
def test_organizer_opens_a_box_linked_from_the_agenda_item_and_participants_ask(
    client, organizer, participant, exchange
):
    assert _open(client, organizer, exchange).status_code == 302
    box = QuestionBox.objects.get(event=exchange)
    assert box.closes_at == DEADLINE and box.program_item.title == "【質疑応答】"

    client.force_login(participant)
    page = client.get(exchange.get_absolute_url()).content.decode()
    link = reverse("groupwork:questions", args=[exchange.pk])
    assert link in page and "事前にお寄せいただいた質問" in page
    response = _ask(client, participant, exchange, show_organization="on")
    assert response.status_code == 302
    question = AskedQuestion.objects.get()
    assert question.asked_by == participant and question.organization.name == "草加市"
    assert question.show_organization and not question.on_behalf
    assert "参加支援の担い手" in client.get(link).content.decode()


def test_a_question_after_the_deadline_is_refused_and_nothing_is_saved(
    client, organizer, participant, exchange
):
    with time_machine.travel(DEADLINE - dt.timedelta(days=3), tick=False):
        _open(client, organizer, exchange)
    with time_machine.travel(DEADLINE + dt.timedelta(minutes=1), tick=False):
        response = _ask(client, participant, exchange)
        assert response.status_code == 400
        assert "締め切りを過ぎました" in response.content.decode()
        with pytest.raises(questions.QuestionError):
            questions.submit(exchange, by=participant, text="遅れた質問")
    assert not AskedQuestion.objects.exists()


@time_machine.travel(DEADLINE - dt.timedelta(days=3), tick=False)
def test_coordinators_ask_for_their_own_municipality_only(
    client, organizer, participant, exchange, other_coordinator, cities, outsider
):
    _open(client, organizer, exchange)
    # 苫小牧市's coordinator sends for 苫小牧市 (taking part), without naming it in public.
    response = _ask(
        client,
        other_coordinator,
        exchange,
        as_key=f"org-{exchange.participating_organizations.get(organization__name='苫小牧市').organization_id}",
    )
    assert response.status_code == 302
    question = AskedQuestion.objects.get()
    assert question.on_behalf and question.organization.name == "苫小牧市" and not question.show_organization
    # …but not for 行田市, and a participant cannot speak for a municipality.
    gyoda = cities[0]
    assert _ask(client, other_coordinator, exchange, as_key=f"org-{gyoda.pk}").status_code == 400
    assert _ask(client, participant, exchange, as_key=f"org-{gyoda.pk}").status_code == 400
    assert AskedQuestion.objects.count() == 1
    # A coordinator of a municipality not taking part, and a member of another municipality, may not ask.
    stranger = person(role=Membership.Role.COORDINATOR, organization=cities[1], email="kushiro@example.jp")
    assert client.get(reverse("groupwork:questions", args=[exchange.pk])).status_code == 200
    client.force_login(stranger)
    assert client.get(reverse("groupwork:questions", args=[exchange.pk])).status_code == 403
    assert _ask(client, outsider, exchange).status_code == 403
    assert AskedQuestion.objects.count() == 1


@time_machine.travel(DEADLINE - dt.timedelta(days=3), tick=False)
def test_arrange_publish_and_what_participants_see(
    client, organizer, participant, exchange, other_coordinator
):
    _open(client, organizer, exchange)
    named = questions.submit(exchange, by=participant, text="庁内の合意形成の進め方", show_organization=True)
    tomakomai = (
        f"org-{exchange.participating_organizations.get(organization__name='苫小牧市').organization_id}"
    )
    unnamed = questions.submit(
        exchange, by=other_coordinator, text="財政部局との折衝", as_key=tomakomai, show_organization=False
    )
    left_out = questions.submit(exchange, by=participant, text="取り上げない質問")
    client.force_login(organizer)
    manage = client.get(reverse("groupwork:questions_manage", args=[exchange.pk])).content.decode()
    assert participant.full_name in manage  # the organizer sees who asked
    # Publishing before anything is taken up is refused.
    client.post(reverse("groupwork:questions_publish", args=[exchange.pk]), {"published": "1"})
    assert not QuestionBox.objects.get().is_published
    response = client.post(
        reverse("groupwork:questions_arrange", args=[exchange.pk]),
        {
            f"topic-{named.pk}": "庁内連携",
            f"order-{named.pk}": "2",
            f"taken-{named.pk}": "on",
            f"topic-{unnamed.pk}": "庁内連携",
            f"order-{unnamed.pk}": "1",
            f"taken-{unnamed.pk}": "on",
            f"topic-{left_out.pk}": "",
            f"order-{left_out.pk}": "3",
        },
    )
    assert response.status_code == 302
    client.post(reverse("groupwork:questions_publish", args=[exchange.pk]), {"published": "1"})
    assert QuestionBox.objects.get().is_published

    client.force_login(participant)
    page = client.get(reverse("groupwork:questions", args=[exchange.pk])).content.decode()
    published = page[page.index('id="published-title"') :]
    assert published.index("財政部局との折衝") < published.index("庁内の合意形成の進め方")
    assert "取り上げない質問" not in published
    assert "草加市" in published and "苫小牧市" not in published
    assert participant.full_name not in published and other_coordinator.full_name not in published


@time_machine.travel(DEADLINE - dt.timedelta(days=3), tick=False)
def test_ids_of_another_events_questions_are_refused(client, organizer, participant, exchange, municipality):
    _open(client, organizer, exchange)
    mine = questions.submit(exchange, by=participant, text="この研修の質問")
    other = EventFactory(hosts=[municipality], starts_at=START, ends_at=START + dt.timedelta(hours=2))
    RegistrationFactory(event=other, user=participant, organization=municipality)
    questions.open_box(other, by=organizer, closes_at=DEADLINE)
    foreign = questions.submit(other, by=participant, text="別の研修の質問")
    client.force_login(organizer)
    client.post(
        reverse("groupwork:questions_arrange", args=[exchange.pk]),
        {
            f"order-{mine.pk}": "1",
            f"taken-{mine.pk}": "on",
            f"order-{foreign.pk}": "1",
            f"taken-{foreign.pk}": "on",
        },
    )
    assert not AskedQuestion.objects.filter(taken_up=True).exists()


@time_machine.travel(DEADLINE - dt.timedelta(days=3), tick=False)
def test_xlsx_for_the_lecturers_hides_names_the_askers_kept_back(
    client, organizer, participant, exchange, other_coordinator
):
    _open(client, organizer, exchange)
    questions.submit(exchange, by=participant, text="公開してよい質問", show_organization=True)
    tomakomai = (
        f"org-{exchange.participating_organizations.get(organization__name='苫小牧市').organization_id}"
    )
    questions.submit(
        exchange, by=other_coordinator, text='=HYPERLINK("x")', as_key=tomakomai, show_organization=False
    )
    client.force_login(organizer)
    response = client.get(reverse("groupwork:questions_xlsx", args=[exchange.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["No.", "テーマ", "質問", "自治体", "取り上げる", "順番"]
    assert rows[1][2:4] == ["公開してよい質問", "草加市"]
    assert rows[2][2] == '\'=HYPERLINK("x")' and rows[2][3] in ("", None)
    assert participant.full_name not in str(rows)
