"""Each person once, for their own municipality; totals that add up; no rate above 100 %.

The fixture is an exchange meeting of three municipalities (one of them through a
department), hosted by the sponsor, with people of no municipality, a named
questionnaire answered by someone who was absent, an anonymous one, and an assessment
sheet written by two of the three municipalities.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Event, ParticipatingOrganization, Registration
from reports import selectors
from reports.figures import OTHER, UNATTRIBUTED
from surveys.models import Answer, Form, Question, Respondent, Section, Submission
from tests.factories import OrganizationFactory, UserFactory
from tests.reports import factories as f

A = Registration.Attendance
TZ = timezone.get_default_timezone()
RATE_WORDS = ("率", "rate", "平均", "Mean")


def _named_questionnaire(event):
    form = Form.objects.create(event=event, kind=Form.Kind.QUESTIONNAIRE, title="アンケート（記名）")
    section = Section.objects.create(form=form, title="研修について")
    Question.objects.create(form=form, section=section, key="satisfaction", label="満足度", type="scale")
    return form


def _answer(form, event, user, score):
    submission = Submission.objects.create(
        form=form, event=event, user=user, status="submitted", submitted_at=timezone.now()
    )
    Answer.objects.create(
        submission=submission, question=form.questions.get(key="satisfaction"), value_number=Decimal(score)
    )


@pytest.fixture
def meeting(municipality, other_municipality, sponsor):
    third = OrganizationFactory(name="行田市", prefecture="埼玉県")
    soka_section = OrganizationFactory(name="福祉政策課", parent=municipality)
    csw = OrganizationFactory(name="草加市社会福祉協議会", kind="council_of_social_welfare")
    when = dt.datetime(2022, 3, 11, 13, tzinfo=TZ)
    ex = f.held_event(
        hosts=[sponsor], when=when, kind=Event.Kind.EXCHANGE_MEETING, title="自治体間意見交換会"
    )
    for order, org in enumerate((third, municipality, other_municipality)):
        ParticipatingOrganization.objects.create(event=ex, organization=org, order=order)
    # 草加市: 3 (two through its section), 苫小牧市: 2, 行田市: 1, others: the 社協 and no organization.
    soka = f.registrations(ex, [A.ATTENDED, A.ATTENDED], organization=soka_section)
    soka += f.registrations(ex, [A.ABSENT], organization=municipality)
    tomakomai = f.registrations(ex, [A.ATTENDED, A.LEFT_EARLY], organization=other_municipality)
    f.registrations(ex, [A.ATTENDED], organization=third)
    others = f.registrations(ex, [A.ATTENDED], organization=csw) + f.registrations(ex, [A.ABSENT])
    f.registrations(ex, [A.UNKNOWN], organization=third, status=Registration.Status.CANCELLED)

    named = _named_questionnaire(ex)
    # The absent 草加市 person answered too: it must not lift the rate above 100 %.
    for reg, score in ((soka[0], 5), (soka[2], 1), (tomakomai[0], 4), (others[0], 3), (others[1], 2)):
        _answer(named, ex, reg.user, score)

    sheet = Form.objects.create(
        event=ex,
        kind=Form.Kind.PREWORK,
        title="自治体アセスメントシート",
        respondent=Form.Respondent.ORGANIZATION,
    )
    writer = UserFactory(full_name="草加 書記")
    Submission.objects.create(
        form=sheet,
        event=ex,
        organization=municipality,
        status="submitted",
        submitted_at=when - dt.timedelta(days=5),
        updated_by=writer,
    )
    Submission.objects.create(form=sheet, event=ex, organization=third, status="draft")

    # A second event of 草加市 with an anonymous questionnaire: 4 attendees, 5 responses
    # (one respondent row points at an absent person; one answer has no row at all).
    s1 = f.held_event(hosts=[municipality], when=dt.datetime(2022, 1, 25, 15, tzinfo=TZ))
    present = f.registrations(s1, [A.ATTENDED] * 3 + [A.LEFT_EARLY], organization=municipality)
    absent = f.registrations(s1, [A.ABSENT], organization=municipality)
    anonymous = f.questionnaire(s1)
    for reg, score in zip([*present[:3], absent[0]], (5, 5, 4, 2), strict=True):
        Respondent.objects.create(form=anonymous, event=s1, user=reg.user)
        f.answer(anonymous, s1, score)
    f.answer(anonymous, s1, 3)
    return {"ex": ex, "s1": s1, "third": third, "csw": csw}


def _by_key(board):
    return {g.key: g.figures for g in board.municipalities}


@pytest.mark.django_db
def test_each_person_counts_once_for_their_own_municipality(
    reviewer, municipality, other_municipality, meeting
):
    board = selectors.dashboard(reviewer, year=2021)
    ex_row = next(r for r in board.events if r.event.pk == meeting["ex"].pk)
    soka = ex_row.group(municipality.pk)
    tomakomai = ex_row.group(other_municipality.pk)
    gyoda = ex_row.group(meeting["third"].pk)
    other = ex_row.group(OTHER)
    # Worked out by hand from the fixture:
    assert (soka.registrations, soka.attended, soka.absent) == (3, 2, 1)
    assert (tomakomai.registrations, tomakomai.attended, tomakomai.left_early) == (2, 1, 1)
    assert (gyoda.registrations, gyoda.attended) == (1, 1)  # the cancelled one does not count
    assert (other.registrations, other.attended, other.absent) == (2, 1, 1)
    assert ex_row.figures.registrations == 3 + 2 + 1 + 2
    # 回答率 = respondents who attended ÷ attendees: 草加市 1 of 2 (the absent one's answer is
    # not a response), 苫小牧市 1 of 2, 行田市 0 of 1, others 1 of 1.
    assert (soka.responses, soka.response_base) == (1, 2)
    assert (tomakomai.responses, tomakomai.response_base) == (1, 2)
    assert (other.responses, other.response_base) == (1, 1)
    assert ex_row.figures.response_rate == pytest.approx(3 / 6)
    # Satisfaction by the respondent's municipality, the absent respondent's included.
    assert soka.satisfaction_list == [1, 0, 0, 0, 1]
    assert other.satisfaction_list == [0, 1, 1, 0, 0]
    # The assessment sheet: one per municipality taking part.
    sheets = {(s.organization_id, s.status) for s in ex_row.sheets}
    assert sheets == {
        (municipality.pk, "submitted"),
        (meeting["third"].pk, "draft"),
        (other_municipality.pk, "missing"),
    }
    submitted = next(s for s in ex_row.sheets if s.status == "submitted")
    assert submitted.by == "草加 書記" and submitted.submitted_at is not None
    assert (soka.org_sheets, soka.org_sheets_base) == (1, 1)
    assert (ex_row.figures.org_sheets, ex_row.figures.org_sheets_base) == (1, 3)

    # The anonymous questionnaire: responses ÷ attendees, capped at 100 %.
    s1_row = next(r for r in board.events if r.event.pk == meeting["s1"].pk)
    assert s1_row.has_anonymous
    assert s1_row.figures.responses == 5 and s1_row.figures.response_base == 4
    assert s1_row.figures.response_rate == 1.0 and s1_row.figures.response_rate_capped
    assert s1_row.group(municipality.pk).responses == 4  # the respondent rows of its people
    assert s1_row.group(UNATTRIBUTED).responses == 1  # the answer without a row
    assert s1_row.group(UNATTRIBUTED).satisfaction_count == 5  # anonymous: never per municipality


def _assert_adds_up(rows, total, *, skip=("events", "held", "cancelled", "upcoming")):
    for name, value in total.counts().items():
        if name in skip:
            continue
        assert sum(r.counts()[name] for r in rows) == value, name


@pytest.mark.django_db
def test_every_dashboard_table_adds_up_and_no_rate_exceeds_100(client, reviewer, meeting):
    client.force_login(reviewer)
    response = client.get(reverse("reports:dashboard"), {"year": 2021})
    assert response.status_code == 200
    board = response.context["board"]
    _assert_adds_up([g.figures for g in board.municipalities], board.total)
    _assert_adds_up([g.figures for g in board.series], board.total, skip=())
    _assert_adds_up([r.figures for r in board.events], board.total, skip=())
    for row in board.events:
        _assert_adds_up(list(row.groups.values()), row.figures)
    for figures in [
        board.total,
        *(g.figures for g in board.municipalities),
        *(r.figures for r in board.events),
    ]:
        for rate in (figures.attendance_rate, figures.prework_rate, figures.response_rate):
            assert rate is None or 0 <= rate <= 1
    html = response.content.decode()
    assert "%" in html and "114" not in html
    # The definitions and the anonymous caveat are printed under the tables.
    assert html.count('class="definitions') >= 4
    assert "上限100" in html or "capped at 100" in html
    # The assessment sheet per municipality: submitted, when and by whom.
    assert "自治体アセスメントシート" in html and "草加 書記" in html
    # Every rate in the page's tables is at most 100 %.
    import re

    for value in re.findall(r"(\d+(?:\.\d)?)%", html):
        assert float(value) <= 100, value


def _table(sheet):
    """(header, data rows, totals row) of one XLSX sheet."""
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, body = rows[0], rows[1:]
    end = next(i for i, r in enumerate(body) if "合計" in r or "Total" in r)
    return header, body[:end], body[end]


@pytest.mark.django_db
def test_every_xlsx_table_adds_up(client, reviewer, meeting):
    client.force_login(reviewer)
    book = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[2021])).content))
    for name in book.sheetnames[:3]:  # municipalities, series, events
        header, rows, total = _table(book[name])
        checked = 0
        for col, title in enumerate(header):
            if not isinstance(total[col], int) or any(word in str(title) for word in RATE_WORDS):
                continue
            assert sum(r[col] or 0 for r in rows) == total[col], (name, title)
            checked += 1
        assert checked >= 10, name
        for col, title in enumerate(header):
            if "率" in str(title):
                assert all(r[col] is None or r[col] <= 1 for r in [*rows, total]), (name, title)
        notes = [r[0] for r in book[name].iter_rows(values_only=True) if r and r[0]]
        assert any("延べ" in str(n) or "person-sessions" in str(n) for n in notes), name
    municipalities = _table(book[book.sheetnames[0]])[1]
    names = [r[0] for r in municipalities]
    assert {"埼玉県草加市", "北海道苫小牧市", "埼玉県行田市"} <= set(names)
    sheets = [[c.value for c in row] for row in book[book.sheetnames[3]].iter_rows(min_row=2)]
    assert any(r[0] == "埼玉県草加市" and r[6] == "草加 書記" for r in sheets)
    assert len(sheets) == 3


@pytest.mark.django_db
def test_municipality_page_shows_its_own_people_and_its_sheet(client, reviewer, municipality, meeting):
    client.force_login(reviewer)
    response = client.get(reverse("reports:municipality", args=[2021, municipality.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    ex = next(fig for row, fig in page.own_rows if row.event.pk == meeting["ex"].pk)
    assert ex.registrations == 3  # not the meeting's 8
    _assert_adds_up([fig for _row, fig in page.own_rows], page.total)
    assert [s.status for s in page.sheets] == ["submitted"]
    html = response.content.decode()
    assert "自治体アセスメントシート" in html and "草加 書記" in html


@pytest.mark.django_db
def test_snapshot_by_organization_is_kept_at_the_deadline(municipality, other_municipality):
    from events import services

    event = f.held_event(hosts=[municipality], when=timezone.now() - dt.timedelta(days=1))
    f.registrations(event, [A.UNKNOWN] * 2, organization=municipality)
    f.registrations(event, [A.UNKNOWN], organization=other_municipality)
    f.registrations(event, [A.UNKNOWN])
    assert services.snapshot_deadline_counts() == 1
    event.refresh_from_db()
    assert event.count_at_deadline == 4
    assert event.count_at_deadline_by_org == {str(municipality.pk): 2, str(other_municipality.pk): 1, "": 1}
    # Later cancellations do not move the published figures.
    Registration.objects.filter(event=event).update(status=Registration.Status.CANCELLED)
    row = selectors.event_rows([event])[0]
    assert row.figures.registrations == 4 and row.group(municipality.pk).registrations == 2
