"""The outsider journey of issue 11, replayed over HTTP: it must fail at every step.

A stranger signs up choosing 苫小牧市社会福祉協議会 from the list, confirms the address,
registers for an event, then tries to open, download from and overwrite that
organization's shared assessment sheet; they must also not be counted as its staff nor
listed among its coordinator's people. And sign-up no longer creates organizations.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership, MembershipRequest, Organization, User
from events.models import Registration
from surveys.models import Answer, Submission
from tests.factories import OrganizationFactory, person
from tests.surveys.factories import choice_id, confirmed, make_form, name, questions

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def shakyo(db):
    return OrganizationFactory(
        name="苫小牧市社会福祉協議会", prefecture="北海道", kind=Organization.Kind.COUNCIL_OF_SOCIAL_WELFARE
    )


def _sheet_data(q, sections, **extra):
    data = {
        f"s{sections['相談支援機関情報']}-count": "1",
        f"s{sections['課題']}-count": "1",
        name(q["departments"]): "地域福祉課",
        name(q["created_on"]): "2022-03-01",
        name(q["population"]): "170000",
        name(q["area"]): "561.66",
        name(q["agency_name"], 0): "地域包括支援センター",
        name(q["contractor"], 0): "社会福祉協議会",
        name(q["issue"], 0): "分野ごとに窓口が分かれている。",
        name(q["projects_running"]): [choice_id(q["projects_running"], "包括的相談支援事業")],
        "action": "submit",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_the_outsider_journey_fails_at_every_step(client, settings, tmp_path, shakyo, other_municipality):
    settings.SURVEYS_FILES_ROOT = tmp_path / "private"
    from tests.factories import EventFactory

    event = EventFactory(hosts=[other_municipality], capacity=30)
    sheet = make_form("assessment", event)
    q = questions(sheet)
    sections = {s.title: s.pk for s in sheet.sections.all()}
    # The genuine member fills the organization's sheet, with a file.
    member = person(role="member", organization=shakyo, full_name="本物 会員")
    confirmed(event, member, shakyo)
    coordinator = person(role="coordinator", organization=shakyo, full_name="取纏 苫小牧")
    client.force_login(member)
    upload = SimpleUploadedFile("soshikizu.pdf", PDF)
    fill = reverse("surveys:fill", args=[sheet.pk, event.pk])
    assert client.post(fill, _sheet_data(q, sections, **{name(q["org_chart"]): upload})).status_code == 302
    submission = Submission.objects.get(form=sheet)
    file_answer = Answer.objects.get(question=q["org_chart"])
    client.logout()

    # 1. Sign up choosing the organization from the list: a request, no role.
    response = client.post(
        "/accounts/signup/",
        {
            "email": "stranger@example.org",
            "full_name": "見知らぬ 人",
            "full_name_kana": "みしらぬ ひと",
            "organization": shakyo.pk,
            "password1": "kyousei-2022-soka",
            "password2": "kyousei-2022-soka",
        },
    )
    assert response.status_code == 302
    stranger = User.objects.get(email="stranger@example.org")
    assert not Membership.objects.filter(user=stranger).exists()
    assert MembershipRequest.objects.get(user=stranger).status == MembershipRequest.Status.PENDING

    # 2. Confirm the address (example.org is no verified domain of the council).
    EmailAddress.objects.filter(user=stranger).update(verified=True)
    client.force_login(stranger)

    # 3. Register for an event open to everyone: allowed, as an individual.
    client.post(reverse("events:register", args=[event.pk]))
    registration = Registration.objects.get(event=event, user=stranger)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.organization_id is None  # counted nowhere as the council's staff

    # 4. Open the organization's sheet: refused, and nothing of it is shown.
    page = client.get(fill)
    assert page.status_code in (403, 404)
    assert "地域福祉課" not in page.content.decode()

    # 5. Download its file: not found.
    assert client.get(reverse("surveys:file", args=[file_answer.pk])).status_code == 404

    # 6. Overwrite it: refused, the member's answers unchanged.
    response = client.post(fill, _sheet_data(q, sections, **{name(q["departments"]): "書き換え"}))
    assert response.status_code in (403, 404)
    submission.refresh_from_db()
    assert submission.updated_by == member
    assert Answer.objects.get(submission=submission, question=q["departments"]).value_text == "地域福祉課"

    # 7. Not among the coordinator's people, not in their bulk-registration list.
    client.force_login(coordinator)
    listing = client.get(reverse("events:coordinate")).content.decode()
    assert "見知らぬ" not in listing
    bulk = client.get(reverse("events:bulk_register", args=[event.pk])).content.decode()
    assert "見知らぬ" not in bulk
    # … but their request is waiting for the coordinator to decide.
    assert "見知らぬ" in client.get(reverse("accounts:membership_requests")).content.decode()


@pytest.mark.django_db
def test_signup_creates_no_organization_even_a_copy_of_an_existing_one(client, municipality):
    before = Organization.objects.count()
    for typed in ("草加市", "<script>alert(1)</script>草加市"):
        client.post(
            "/accounts/signup/",
            {
                "email": f"x{len(typed)}@example.org",
                "full_name": "新規 太郎",
                "full_name_kana": "しんき たろう",
                "new_organization_name": typed,
                "new_organization_kind": "municipality",
                "new_organization_prefecture": "埼玉県",
                "password1": "kyousei-2022-soka",
                "password2": "kyousei-2022-soka",
            },
        )
        client.logout()
    assert Organization.objects.count() == before
    assert MembershipRequest.objects.filter(organization__isnull=True).count() == 2
