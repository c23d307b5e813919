"""Certificates: issued in bulk or one by one, the PDF's text, the public verification page
(valid / revoked / unknown, no directory of names, rate-limited), revocation and reissue."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from notifications.models import Outbox
from records import certificates, rules
from records.errors import RecordsError
from records.models import Certificate, CompletionRule
from tests.records.conftest import attend

Attendance = Registration.Attendance
pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(organizer, training):
    return rules.save_rule(
        by=organizer,
        series=training.series,
        fields={
            "issuer_name": "草加市",
            "signer": "草加市長 山川 百合子",
            "document": CompletionRule.Document.COMPLETION,
            "seal_omitted": True,
        },
    )


@pytest.fixture
def completed(training, participant, coordinator):
    for session in training.sessions:
        attend(session, participant)
        attend(session, coordinator)
    return [participant, coordinator]


def test_bulk_issue_to_everyone_who_completed_once(organizer, outsider, training, rule, completed):
    attend(training.s1, outsider)
    attend(training.s2, outsider, Attendance.ABSENT)
    outcome = certificates.issue_all(by=organizer, rule=rule)
    assert {c.user for c in outcome.issued} == set(completed)
    assert outcome.not_completed == 1
    for c in outcome.issued:
        assert re.fullmatch(r"\d{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", c.number)
        assert c.total_minutes == 240 and len(c.sessions) == 2
        assert [s["number"] for s in c.sessions] == [1, 2]
        assert c.title == training.series.title and c.issuer_name == "草加市"
    mails = Outbox.objects.filter(kind=Outbox.Kind.CERTIFICATE_ISSUED)
    assert {m.recipient for m in mails} == set(completed)
    again = certificates.issue_all(by=organizer, rule=rule)
    assert again.issued == [] and again.already == 2
    assert Certificate.objects.count() == 2


def test_issuing_to_someone_who_has_not_completed_needs_a_reason(organizer, outsider, training, rule):
    attend(training.s1, outsider)
    with pytest.raises(RecordsError, match="has not completed"):
        certificates.issue(by=organizer, rule=rule, user=outsider)
    assert not Certificate.objects.exists()
    certificate = certificates.issue(
        by=organizer, rule=rule, user=outsider, override_reason="第2回は別日に個別受講（録画視聴）"
    )
    assert not certificate.completed
    assert certificate.override_reason == "第2回は別日に個別受講（録画視聴）"
    assert len(certificate.sessions) == 1
    from audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="certificate.issue_override")
    assert entry.details["reason"] == certificate.override_reason


def test_no_certificate_for_someone_who_attended_nothing_or_never_registered(
    organizer, outsider, training, rule
):
    attend(training.s1, outsider, Attendance.ABSENT)
    with pytest.raises(RecordsError, match="attended no session"):
        certificates.issue(by=organizer, rule=rule, user=outsider, override_reason="理由")
    from tests.factories import UserFactory

    with pytest.raises(RecordsError, match="no confirmed registration"):
        certificates.issue(by=organizer, rule=rule, user=UserFactory(), override_reason="理由")


def test_one_valid_certificate_per_person_and_training(organizer, participant, rule, completed):
    first = certificates.issue(by=organizer, rule=rule, user=participant)
    with pytest.raises(RecordsError, match="already holds certificate"):
        certificates.issue(by=organizer, rule=rule, user=participant)
    duplicate = Certificate.objects.get(pk=first.pk)
    duplicate.pk, duplicate.number = None, certificates.new_number(2021)
    with pytest.raises(IntegrityError):
        duplicate.save(force_insert=True)


def test_another_organizer_cannot_issue_or_revoke(other_organizer, organizer, participant, rule, completed):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        certificates.issue_all(by=other_organizer, rule=rule)
    issued = certificates.issue(by=organizer, rule=rule, user=participant)
    with pytest.raises(PermissionDenied):
        certificates.revoke(by=other_organizer, certificate=issued, reason="不正")
    assert Certificate.objects.get(pk=issued.pk).is_valid


def test_revoke_with_a_reason_then_reissue_after_a_correction(organizer, participant, rule, completed):
    issued = certificates.issue(by=organizer, rule=rule, user=participant)
    with pytest.raises(RecordsError, match="reason for revoking"):
        certificates.revoke(by=organizer, certificate=issued, reason=" ")
    participant.full_name = "参加 壱郎"
    participant.save()
    new = certificates.reissue(by=organizer, certificate=issued, reason="氏名の誤記を訂正")
    old = Certificate.objects.get(pk=issued.pk)
    assert not old.is_valid and old.revoke_reason == "氏名の誤記を訂正"
    assert new.replaces == old and new.holder_name == "参加 壱郎" and new.is_valid
    with pytest.raises(RecordsError, match="already replaced"):
        certificates.reissue(by=organizer, certificate=old, reason="もう一度")
    from audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="certificate.reissue").count() == 1


def test_the_pdf_says_what_was_issued(client, organizer, participant, municipality, rule, completed):
    import pypdf

    pytest.importorskip("weasyprint")
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    client.force_login(participant)
    response = client.get(reverse("records:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    for expected in (
        "修了証",
        certificate.number,
        "参加一郎",
        "草加市",
        "地域共生社会の実現に向けた人材育成研修",
        "第1回",
        "第2回",
        "2時間",
        "合計時間数4時間",
        "草加市長山川百合子",
        "（公印省略）",
        (settings.SITE_URL + f"/c/{certificate.number}/").replace(" ", ""),
    ):
        assert expected in text, expected
    from core.dates import format_date

    assert format_date(certificate.issued_at, weekday=False).replace(" ", "") in text


def test_the_qr_code_encodes_the_verification_address(organizer, participant, rule, completed):
    import segno

    from records import render

    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    context = render.certificate_context(certificate)
    assert context["verify_url"] == f"{settings.SITE_URL}/c/{certificate.number}/"
    assert context["qr"] == segno.make(context["verify_url"], error="m").svg_data_uri(scale=4, border=2)
    assert context["qr"] in render.certificate_html(certificate)


def test_a_seal_space_when_the_seal_is_not_omitted(organizer, participant, rule, completed):
    from records import render

    CompletionRule.objects.filter(pk=rule.pk).update(seal_omitted=False)
    rule.refresh_from_db()
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    html = render.certificate_html(certificate)
    assert 'class="seal"' in html and "公印省略" not in html


def test_only_the_holder_and_the_issuer_download_it(
    client, organizer, participant, outsider, other_organizer, reviewer, rule, completed
):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    url = reverse("records:certificate_pdf", args=[certificate.number])
    for person in (outsider, other_organizer, reviewer):
        client.force_login(person)
        assert client.get(url).status_code == 404
    # Guessing another number answers exactly as a number that is someone else's.
    client.force_login(outsider)
    assert client.get(reverse("records:certificate_pdf", args=["2021-00000-00000"])).status_code == 404


# --- the public verification page ---------------------------------------------------------


def test_valid_revoked_and_unknown(client, organizer, participant, rule, completed):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    page = client.get(certificate.get_verify_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "有効" in text and certificate.number in text
    assert "草加市" in text and "地域共生社会の実現に向けた人材育成研修" in text and "修了証" in text
    assert participant.full_name not in text and participant.full_name_kana not in text

    certificates.revoke(by=organizer, certificate=certificate, reason="受講記録の誤り")
    revoked = client.get(certificate.get_verify_url()).content.decode()
    assert "失効" in revoked and "有効です" not in revoked
    assert "受講記録の誤り" not in revoked  # the reason is for the record, not for the public

    unknown = client.get(reverse("verify:certificate", args=["2021-ZZZZZ-ZZZZZ"]))
    assert unknown.status_code == 404 and "該当なし" in unknown.content.decode()


def test_a_typed_number_is_forgiven_its_spelling(client, organizer, participant, rule, completed):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    typed = "　" + certificate.number.lower().replace("-", " ").replace("0", "o") + " "
    response = client.post(reverse("verify:lookup"), {"number": typed})
    assert response.status_code == 302 and response["Location"] == certificate.get_verify_url()


def test_the_name_is_only_checked_never_shown(client, organizer, participant, rule, completed):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    url = certificate.get_verify_url()
    match = client.post(url, {"name": "参加一郎"}).content.decode()
    assert "一致します" in match and "一致しません" not in match
    assert "参加 一郎" not in match
    miss = client.post(url, {"name": "別人 太郎"}).content.decode()
    assert "一致しません" in miss


def test_guessing_numbers_and_names_is_rate_limited(client, organizer, participant, rule, completed):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    url = certificate.get_verify_url()
    answers = [client.post(url, {"name": f"候補 {i}"}).status_code for i in range(6)]
    assert answers[:5] == [200] * 5 and answers[5] == 429
    from django.core.cache import cache

    cache.clear()
    statuses = [
        client.get(reverse("verify:certificate", args=[f"2021-AAAAA-{i:05d}"])).status_code for i in range(31)
    ]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_my_events_offers_the_download(client, organizer, participant, rule, completed):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    client.force_login(participant)
    text = client.get(reverse("events:mine")).content.decode()
    assert reverse("records:certificate_pdf", args=[certificate.number]) in text


def test_the_roster_issues_in_bulk_and_one_by_one(client, organizer, outsider, training, rule, completed):
    attend(training.s1, outsider)
    client.force_login(organizer)
    response = client.post(reverse("records:issue_all", args=["series", training.series.pk]))
    assert response.status_code == 302
    assert Certificate.objects.count() == 2
    one = reverse("records:issue_one", args=["series", training.series.pk, outsider.pk])
    refused = client.post(one, {"reason": ""})
    assert refused.status_code == 400 and "理由を入力してください" in refused.content.decode()
    assert client.post(one, {"reason": "別日に補講を受講"}).status_code == 302
    assert Certificate.objects.get(user=outsider).override_reason == "別日に補講を受講"


def test_issue_time_is_the_date_printed(organizer, participant, rule, completed):
    certificate = certificates.issue(by=organizer, rule=rule, user=participant)
    assert abs((certificate.issued_at - timezone.now()).total_seconds()) < 60
