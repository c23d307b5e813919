"""受講履歴: a participant's own record across 年度, a coordinator's staff (approved members
of their own organization only), and the XLSX an HR department opens."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.dates import fiscal_year
from events.models import Registration
from records import certificates, rules
from tests.factories import UserFactory
from tests.records.conftest import attend, past_session

Attendance = Registration.Attendance
pytestmark = pytest.mark.django_db


@pytest.fixture
def history(organizer, participant, municipality, training):
    """Two sessions this year (with a certificate) and one study session a year earlier."""
    rules.save_rule(by=organizer, series=training.series, fields={"issuer_name": "草加市"})
    attend(training.s1, participant, minutes=118)
    attend(training.s2, participant, minutes=121)
    certificate = certificates.issue(by=organizer, rule=training.series.completion_rule, user=participant)
    earlier = past_session(hosts=[municipality], days_ago=400)
    attend(earlier, participant, Attendance.LEFT_EARLY, minutes=70)
    return certificate, earlier


def test_a_participant_sees_every_fiscal_year(client, participant, training, history):
    certificate, earlier = history
    client.force_login(participant)
    page = client.get(reverse("records:mine"))
    text = page.content.decode()
    assert page.status_code == 200
    for year in {fiscal_year(training.s1.starts_at), fiscal_year(earlier.starts_at)}:
        assert f"{year}年度" in text
    assert certificate.number in text and "途中退出" in text and "118" in text
    only = client.get(reverse("records:mine"), {"year": fiscal_year(earlier.starts_at)}).content.decode()
    assert earlier.title in only and certificate.number not in only


def test_a_coordinator_sees_their_own_approved_staff_only(
    client, coordinator, participant, outsider, municipality, other_municipality, training, history
):
    # Someone who named 草加市 on a registration but holds no membership (a request not approved).
    claimant = UserFactory(full_name="名乗 三郎")
    attend(training.s1, claimant, organization=municipality)
    # 苫小牧市's staff at the same training.
    attend(training.s1, outsider)
    client.force_login(coordinator)
    text = client.get(reverse("records:staff")).content.decode()
    assert participant.full_name in text
    assert claimant.full_name not in text and outsider.full_name not in text


def test_another_organizations_coordinator_sees_none_of_them(client, other_coordinator, participant, history):
    client.force_login(other_coordinator)
    page = client.get(reverse("records:staff"))
    assert page.status_code == 200 and participant.full_name not in page.content.decode()
    xlsx = client.get(reverse("records:staff_export"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 1


def test_someone_who_coordinates_nothing_is_refused(client, participant, reviewer, history):
    for person in (participant, reviewer):
        client.force_login(person)
        assert client.get(reverse("records:staff")).status_code == 403
        assert client.get(reverse("records:staff_export")).status_code == 403


def test_the_xlsx_has_the_columns_hr_expects(client, coordinator, participant, training, history):
    certificate, _earlier = history
    participant.full_name = "=HYPERLINK(1)"  # formula injection through a profile name
    participant.save()
    client.force_login(coordinator)
    response = client.get(reverse("records:staff_export"), {"year": fiscal_year(training.s1.starts_at)})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "氏名",
        "ふりがな",
        "所属",
        "研修名",
        "回",
        "日付",
        "時間数",
        "出席",
        "修了",
        "証明書番号",
    )
    assert len(rows) == 3
    first = rows[1]
    assert first[0] == "'=HYPERLINK(1)"
    assert first[1] == "さんか いちろう"
    assert first[2] == "草加市" and first[3] == training.series.title and first[4] == "第1回"
    assert first[6] == 2 and first[7] == "出席" and first[8] == "修了" and first[9] == certificate.number
