"""Participants fill in the worksheet and the assessment sheet in the browser:
drafts keep what was typed, repeating blocks, files, and every kind of bad input."""

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from surveys import answering, parsing
from surveys.models import Answer, Submission
from tests.factories import EventFactory, OrganizationFactory, person

from .factories import choice_id, confirmed, make_form, name, questions

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


@pytest.fixture
def event(municipality):
    return EventFactory(hosts=[municipality])


@pytest.fixture
def worksheet(event, participant, municipality):
    confirmed(event, participant, municipality)
    return make_form("worksheet", event)


def fill_url(form, event):
    return reverse("surveys:fill", args=[form.pk, event.pk])


def test_worksheet_repeating_blocks_in_the_browser(client, worksheet, event, participant):
    q = questions(worksheet)
    section = worksheet.sections.get()
    url = fill_url(worksheet, event)
    client.force_login(participant)
    page = client.get(url)
    assert page.status_code == 200
    assert "事例1" in page.content.decode()
    # Add a second case: the first is kept as a draft, the page shows two blocks.
    first = {
        f"s{section.pk}-count": "1",
        name(q["age"]): "７５",
        name(q["gender"]): choice_id(q["gender"], "男性"),
        name(q["position"]): "電気料金の窓口",
        name(q["course"]): "電気代の支払いに来た男性が翌月から来なくなった。",
        name(q["connect"]): "民生委員",
        "action": f"add:{section.pk}",
    }
    response = client.post(url, first)
    body = response.content.decode()
    assert response.status_code == 200
    assert "事例2" in body and 'value="2"' in body
    submission = Submission.objects.get(form=worksheet, user=participant)
    assert submission.status == Submission.Status.DRAFT
    second = dict(first)
    second.update(
        {
            f"s{section.pk}-count": "2",
            name(q["age"], 1): "70",
            name(q["gender"], 1): choice_id(q["gender"], "女性"),
            name(q["position"], 1): "司法書士",
            name(q["course"], 1): "後見人として関わる夫婦の物件の名義が残っていた。",
            name(q["connect"], 1): "法テラス",
            "action": "submit",
        }
    )
    response = client.post(url, second)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and submission.submitted_at
    ages = dict(Answer.objects.filter(question=q["age"]).values_list("repeat", "value_number"))
    assert ages == {0: 75, 1: 70}  # ７５ typed full-width
    # See what was sent.
    sent = client.get(response["Location"]).content.decode()
    assert "法テラス" in sent and "事例2" in sent


def test_removing_a_block_moves_later_blocks_up(client, worksheet, event, participant):
    q = questions(worksheet)
    section = worksheet.sections.get()
    client.force_login(participant)
    data = {f"s{section.pk}-count": "3", "action": f"remove:{section.pk}:1"}
    for i, who in enumerate(["一", "二", "三"]):
        data[name(q["position"], i)] = who
    client.post(fill_url(worksheet, event), data)
    kept = list(
        Answer.objects.filter(question=q["position"]).order_by("repeat").values_list("repeat", "value_text")
    )
    assert kept == [(0, "一"), (1, "三")]


def test_blocks_stop_at_the_maximum(worksheet, event, participant):
    q = questions(worksheet)
    section = worksheet.sections.get()
    who = answering.respondent_for(worksheet, event, participant)
    data = {f"s{section.pk}-count": str(section.max_repeats)}
    outcome = answering.save_answers(
        worksheet, event=event, who=who, data=data_dict(data), action=f"add:{section.pk}"
    )
    assert outcome.parse.counts[section.pk] == section.max_repeats
    assert "at most" in outcome.notices[0]
    assert q  # the worksheet has its questions


def data_dict(values):
    from .factories import post

    return post(values)


def test_required_missing_keeps_the_draft(client, worksheet, event, participant):
    q = questions(worksheet)
    client.force_login(participant)
    response = client.post(fill_url(worksheet, event), {name(q["position"]): "社協 CSW", "action": "submit"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "This answer is required." in body
    assert 'value="社協 CSW"' in body
    submission = Submission.objects.get(form=worksheet)
    assert submission.status == Submission.Status.DRAFT
    assert Answer.objects.get(question=q["position"]).value_text == "社協 CSW"


def test_numbers_out_of_range_and_not_numbers(client, worksheet, event, participant):
    q = questions(worksheet)
    client.force_login(participant)
    response = client.post(fill_url(worksheet, event), {name(q["age"]): "１５０", "action": "draft"})
    assert "Enter 120歳 or less." in response.content.decode()
    response = client.post(fill_url(worksheet, event), {name(q["age"]): "七十", "action": "draft"})
    assert "Enter a number" in response.content.decode()
    # The draft kept what was typed, though it is not a number.
    answer = Answer.objects.get(question=q["age"])
    assert answer.value_text == "七十" and answer.value_number is None
    response = client.post(fill_url(worksheet, event), {name(q["age"]): "70.5", "action": "draft"})
    assert "whole number" in response.content.decode()


def test_parse_number_normalises_full_width_and_separators(event):
    form = make_form("assessment", event)
    population = questions(form)["population"]
    assert parsing.parse_number("２４８，３０４", population) == (248304, "")
    assert parsing.parse_number("248,304人", population) == (248304, "")
    area = questions(form)["area"]
    assert str(parsing.parse_number("２７．４６", area)[0]) == "27.46"
    assert parsing.parse_date("２０２２年３月１日") == (dt.date(2022, 3, 1), "")
    assert parsing.parse_date("2022/3/32")[1]


def test_after_the_due_date_a_clear_refusal(client, worksheet, event, participant):
    client.force_login(participant)
    with time_machine.travel(event.ends_at + dt.timedelta(minutes=1)):
        response = client.get(fill_url(worksheet, event))
        assert response.status_code == 403
        assert "The due date" in response.content.decode()
        response = client.post(fill_url(worksheet, event), {"action": "submit"})
        assert response.status_code == 403
    assert not Submission.objects.exists()


def test_pre_work_is_due_when_the_event_starts_the_worksheet_when_it_ends(event, worksheet):
    prework = make_form("prework_soka", event)
    assert prework.closes_for(event) == event.starts_at
    assert worksheet.closes_for(event) == event.ends_at
    during = event.starts_at + dt.timedelta(minutes=30)
    assert prework.window_state(event, during) == "closed"
    assert worksheet.window_state(event, during) == "open"


def test_late_answers_when_the_organizer_allows_them(client, worksheet, event, participant):
    worksheet.allow_late = True
    worksheet.save()
    q = questions(worksheet)
    client.force_login(participant)
    with time_machine.travel(event.starts_at + dt.timedelta(days=1)):
        page = client.get(fill_url(worksheet, event))
        assert "late answers are still accepted" in page.content.decode()
        client.post(
            fill_url(worksheet, event),
            {name(q["position"]): "a", name(q["course"]): "b", name(q["connect"]): "c", "action": "submit"},
        )
    assert Submission.objects.get().status == Submission.Status.SUBMITTED


def test_edit_until_due_then_read_only(client, worksheet, event, participant):
    q = questions(worksheet)
    client.force_login(participant)
    base = {name(q["position"]): "a", name(q["course"]): "b", name(q["connect"]): "c", "action": "submit"}
    client.post(fill_url(worksheet, event), base)
    client.post(fill_url(worksheet, event), {**base, name(q["connect"]): "地域包括支援センター"})
    assert Answer.objects.get(question=q["connect"]).value_text == "地域包括支援センター"
    # An invalid edit of a submitted sheet changes nothing.
    client.post(fill_url(worksheet, event), {**base, name(q["connect"]): ""})
    assert Answer.objects.get(question=q["connect"]).value_text == "地域包括支援センター"
    assert Submission.objects.get().status == Submission.Status.SUBMITTED
    with time_machine.travel(event.ends_at + dt.timedelta(hours=1)):
        response = client.get(fill_url(worksheet, event), follow=True)
        body = response.content.decode()
        assert "The due date" in body and "地域包括支援センター" in body


def test_second_submission_of_a_one_response_form_is_refused(client, worksheet, event, participant):
    worksheet.editable_after_submit = False
    worksheet.save()
    q = questions(worksheet)
    client.force_login(participant)
    base = {name(q["position"]): "a", name(q["course"]): "b", name(q["connect"]): "c", "action": "submit"}
    client.post(fill_url(worksheet, event), base)
    response = client.post(fill_url(worksheet, event), {**base, name(q["connect"]): "changed"})
    assert response.status_code == 409
    assert "already been submitted" in response.content.decode()
    assert Answer.objects.get(question=q["connect"]).value_text == "c"


def test_one_submission_per_person_is_a_database_rule(worksheet, event, participant):
    Submission.objects.create(form=worksheet, event=event, user=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(form=worksheet, event=event, user=participant)


def test_only_confirmed_registrants_may_fill(client, worksheet, event, outsider):
    client.force_login(outsider)
    response = client.get(fill_url(worksheet, event))
    assert response.status_code == 403
    assert "registration for this event is confirmed" in response.content.decode()


# --- the assessment sheet: one per municipality, with a file ---------------------------------


@pytest.fixture
def assessment(event, municipality, participant):
    department = OrganizationFactory(name="健康福祉部", parent=municipality)
    confirmed(event, participant, department)
    return make_form("assessment", event)


def assessment_data(q, sections, **extra):
    data = {
        f"s{sections['相談支援機関情報']}-count": "2",
        f"s{sections['課題']}-count": "1",
        name(q["departments"]): "福祉政策課、生活支援課",
        name(q["created_on"]): "2022-03-01",
        name(q["population"]): "２４８，３０４",
        name(q["area"]): "27.46",
        name(q["agency_name"], 0): "地域包括支援センター",
        name(q["contractor"], 0): "社会福祉協議会",
        name(q["agency_name"], 1): "障がい者相談支援センター",
        name(q["issue"], 0): "分野ごとに窓口が分かれている。",
        name(q["projects_running"]): [choice_id(q["projects_running"], "包括的相談支援事業")],
        "action": "submit",
    }
    data.update(extra)
    return data


def test_assessment_sheet_with_file_shared_by_colleagues(
    client, assessment, event, municipality, participant
):
    q = questions(assessment)
    sections = {s.title: s.pk for s in assessment.sections.all()}
    colleague = person(role="member", organization=municipality, full_name="同僚 花子")
    confirmed(event, colleague, municipality)
    client.force_login(participant)
    upload = SimpleUploadedFile("soshikizu.dat", PDF, content_type="application/octet-stream")
    response = client.post(
        fill_url(assessment, event), assessment_data(q, sections, **{name(q["org_chart"]): upload})
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get(form=assessment)
    assert submission.organization == municipality and submission.user is None
    file_answer = Answer.objects.get(question=q["org_chart"])
    # Stored by what it is (a PDF), not by its name.
    assert file_answer.file_type == "application/pdf" and file_answer.file.name.endswith(".pdf")
    assert Answer.objects.get(question=q["population"]).value_number == 248304
    # A colleague from the same municipality edits the same sheet; the file stays.
    client.force_login(colleague)
    page = client.get(fill_url(assessment, event)).content.decode()
    assert "soshikizu.dat" in page and "福祉政策課" in page
    client.post(fill_url(assessment, event), assessment_data(q, sections, **{name(q["area"]): "27.5"}))
    assert Submission.objects.filter(form=assessment).count() == 1
    submission.refresh_from_db()
    assert submission.updated_by == colleague
    assert Answer.objects.filter(question=q["org_chart"]).count() == 1
    # The file is downloadable by the colleague and the organizer, not by outsiders.
    url = reverse("surveys:file", args=[file_answer.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_file_of_the_wrong_type_is_refused_whatever_its_name(client, assessment, event, participant):
    q = questions(assessment)
    sections = {s.title: s.pk for s in assessment.sections.all()}
    client.force_login(participant)
    fake = SimpleUploadedFile("組織図.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        fill_url(assessment, event), assessment_data(q, sections, **{name(q["org_chart"]): fake})
    )
    assert response.status_code == 400
    assert "not an accepted type" in response.content.decode()
    assert not Answer.objects.filter(question=q["org_chart"]).exists()
    # Everything else typed is kept in the draft.
    assert Answer.objects.get(question=q["departments"]).value_text == "福祉政策課、生活支援課"


def test_excel_file_is_recognised(client, assessment, event, participant):
    q = questions(assessment)
    sections = {s.title: s.pk for s in assessment.sections.all()}
    client.force_login(participant)
    upload = SimpleUploadedFile("組織図", xlsx_bytes())
    client.post(fill_url(assessment, event), assessment_data(q, sections, **{name(q["org_chart"]): upload}))
    assert Answer.objects.get(question=q["org_chart"]).file.name.endswith(".xlsx")


def test_file_over_the_limit_is_refused(client, assessment, event, participant, settings):
    settings.SURVEYS_MAX_UPLOAD_MB = 1
    q = questions(assessment)
    sections = {s.title: s.pk for s in assessment.sections.all()}
    client.force_login(participant)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 10))
    response = client.post(
        fill_url(assessment, event), assessment_data(q, sections, **{name(q["org_chart"]): big})
    )
    assert response.status_code == 400
    assert "at most 1 MB" in response.content.decode()
    assert not Answer.objects.filter(question=q["org_chart"]).exists()


def test_outsider_cannot_download_a_file(client, assessment, event, participant, outsider):
    q = questions(assessment)
    sections = {s.title: s.pk for s in assessment.sections.all()}
    client.force_login(participant)
    client.post(
        fill_url(assessment, event),
        assessment_data(q, sections, **{name(q["org_chart"]): SimpleUploadedFile("a.pdf", PDF)}),
    )
    answer = Answer.objects.get(question=q["org_chart"])
    client.force_login(outsider)
    assert client.get(reverse("surveys:file", args=[answer.pk])).status_code == 404


def test_other_choice_needs_its_text(worksheet, event, participant):
    q = questions(worksheet)
    who = answering.respondent_for(worksheet, event, participant)
    other = next(c for c in q["gender"].choices.all() if c.is_other)
    outcome = answering.save_answers(
        worksheet, event=event, who=who, data=data_dict({name(q["gender"]): str(other.pk)}), action="submit"
    )
    assert name(q["gender"]) in outcome.errors
    outcome = answering.save_answers(
        worksheet,
        event=event,
        who=who,
        data=data_dict({name(q["gender"]): str(other.pk), name(q["gender"]) + "-other": "回答なし"}),
        action="draft",
    )
    assert Answer.objects.get(question=q["gender"]).value_text == "回答なし"
    assert timezone.now()
