"""Membership is granted, not claimed (issue 11, item 1)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import membership, permissions
from accounts.models import Membership, MembershipRequest, Organization, OrganizationDomain
from audit.models import AuditEntry
from notifications.models import Outbox
from tests.factories import OrganizationFactory, UserFactory, person, verified

Status = MembershipRequest.Status


@pytest.fixture
def applicant(db):
    return verified(UserFactory(full_name="申請 花子", email="hanako@mail.example.net"))


@pytest.fixture
def pending(applicant, municipality):
    return membership.request_membership(user=applicant, organization=municipality)


@pytest.mark.django_db
def test_a_request_grants_nothing(pending, applicant, municipality):
    assert pending.status == Status.PENDING
    assert not Membership.objects.filter(user=applicant).exists()
    assert permissions.member_org_ids(applicant) == set()


@pytest.mark.django_db
def test_coordinator_approves_from_the_list_and_the_person_is_told(client, coordinator, pending, applicant):
    client.force_login(coordinator)
    page = client.get(reverse("accounts:membership_requests")).content.decode()
    assert applicant.email in page
    response = client.post(reverse("accounts:membership_request_approve", args=[pending.pk]))
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=applicant, organization=pending.organization, role="member"
    ).exists()
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED and pending.decided_by == coordinator
    assert Outbox.objects.filter(recipient=applicant, kind=Outbox.Kind.MEMBERSHIP_APPROVED).exists()
    assert AuditEntry.objects.filter(action="membership.approve", actor=coordinator).exists()


@pytest.mark.django_db
def test_decline_asks_for_a_reason_on_its_own_page_and_mails_it(client, organizer, pending, applicant):
    client.force_login(organizer)
    url = reverse("accounts:membership_request_decline", args=[pending.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200 and 'id="id_reason_error"' in empty.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    client.post(url, {"reason": "草加市の職員名簿に見当たりません。"})
    pending.refresh_from_db()
    assert pending.status == Status.DECLINED
    mail = Outbox.objects.get(recipient=applicant, kind=Outbox.Kind.MEMBERSHIP_DECLINED)
    assert "草加市の職員名簿に見当たりません。" in mail.body_text
    assert not Membership.objects.filter(user=applicant).exists()
    assert AuditEntry.objects.filter(action="membership.decline").exists()


@pytest.mark.django_db
def test_approving_for_an_organization_one_does_not_manage_is_refused(
    client, other_coordinator, other_organizer, outsider, reviewer, pending, applicant
):
    for someone in (other_coordinator, other_organizer, outsider, reviewer):
        with pytest.raises(PermissionDenied):
            membership.approve(pending, by=someone)
        client.force_login(someone)
        assert (
            client.post(reverse("accounts:membership_request_approve", args=[pending.pk])).status_code == 403
        )
        assert (
            client.post(
                reverse("accounts:membership_request_decline", args=[pending.pk]), {"reason": "x"}
            ).status_code
            == 403
        )
        assert applicant.email not in client.get(reverse("accounts:membership_requests")).content.decode()
    assert not Membership.objects.filter(user=applicant).exists()


@pytest.mark.django_db
def test_a_coordinator_of_the_municipality_decides_for_its_departments(coordinator, applicant, municipality):
    department = OrganizationFactory(name="福祉政策課", parent=municipality)
    request = membership.request_membership(user=applicant, organization=department)
    membership.approve(request, by=coordinator)
    assert Membership.objects.filter(user=applicant, organization=department).exists()


@pytest.mark.django_db
def test_an_address_on_a_verified_domain_is_approved_once_confirmed(organizer, municipality):
    membership.add_domain(organization=municipality, domain_name="city.soka.saitama.jp", by=organizer)
    user = UserFactory(email="taro@fukushi.city.soka.saitama.jp")
    request = membership.request_membership(user=user, organization=municipality)
    # Not yet confirmed: anyone can type an address.
    assert request.status == Status.PENDING
    address = EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    from allauth.account.signals import email_confirmed

    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    request.refresh_from_db()
    assert request.status == Status.APPROVED and request.decided_by is None
    assert Membership.objects.filter(user=user, organization=municipality).exists()
    entry = AuditEntry.objects.get(action="membership.approve")
    assert "city.soka.saitama.jp" in entry.details["how"]


@pytest.mark.django_db
def test_a_verified_address_elsewhere_does_not_approve(organizer, municipality):
    membership.add_domain(organization=municipality, domain_name="city.soka.saitama.jp", by=organizer)
    user = verified(UserFactory(email="taro@city.soka.saitama.jp.evil.example"))
    assert membership.request_membership(user=user, organization=municipality).status == Status.PENDING
    user2 = verified(UserFactory(email="taro@notcity.soka.saitama.jp"))
    assert membership.request_membership(user=user2, organization=municipality).status == Status.PENDING


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "yahoo.co.jp", "icloud.com", "outlook.jp", "docomo.ne.jp", "lg.jp", "saitama.jp", "co.jp"],
)
@pytest.mark.django_db
def test_public_mail_providers_and_shared_suffixes_are_refused(client, organizer, municipality, domain):
    client.force_login(organizer)
    response = client.post(
        reverse("accounts:organization_domains", args=[municipality.pk]), {"domain": domain}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_domain_error"' in html
    assert "できません" in html or "共有" in html
    assert not OrganizationDomain.objects.exists()


@pytest.mark.django_db
def test_a_domain_belongs_to_one_organization(organizer, other_organizer, municipality, other_municipality):
    membership.add_domain(organization=municipality, domain_name="City.Soka.Saitama.JP", by=organizer)
    with pytest.raises(membership.MembershipError):
        membership.add_domain(
            organization=other_municipality, domain_name="city.soka.saitama.jp", by=other_organizer
        )
    with pytest.raises(PermissionDenied):
        membership.add_domain(organization=municipality, domain_name="soka-shakyo.or.jp", by=other_organizer)


@pytest.mark.django_db
def test_not_listed_goes_to_administrators_who_create_it_under_its_parent(
    client, applicant, municipality, coordinator
):
    request = membership.request_unlisted(
        user=applicant, name="草加市 子ども政策課", kind="municipality", prefecture="埼玉県"
    )
    # Coordinators do not see "not listed" requests: they belong to no organization yet.
    assert request not in membership.pending_for(coordinator)
    admin = UserFactory(is_staff=True)
    client.force_login(admin)
    url = reverse("accounts:membership_request_organization", args=[request.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"name": "子ども政策課", "kind": "municipality", "prefecture": "埼玉県", "parent": municipality.pk},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    created = Organization.objects.get(name="子ども政策課", parent=municipality)
    assert Membership.objects.filter(user=applicant, organization=created).exists()
    # The same name again under the same parent: refused, by the service and by the database.
    second = membership.request_unlisted(user=UserFactory(), name="子ども政策課")
    response = client.post(
        reverse("accounts:membership_request_organization", args=[second.pk]),
        {"name": "子ども政策課", "kind": "municipality", "prefecture": "北海道", "parent": municipality.pk},
    )
    assert response.status_code == 200
    assert Organization.objects.filter(name="子ども政策課").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="子ども政策課", prefecture="北海道", parent=municipality)


@pytest.mark.django_db
def test_a_coordinator_cannot_answer_not_listed(client, coordinator, applicant):
    request = membership.request_unlisted(user=applicant, name="どこか")
    client.force_login(coordinator)
    assert (
        client.get(reverse("accounts:membership_request_organization", args=[request.pk])).status_code == 403
    )


@pytest.mark.django_db
def test_the_person_sees_their_request_and_nothing_of_the_organization(client, pending, applicant):
    client.force_login(applicant)
    page = client.get(reverse("accounts:memberships")).content.decode()
    assert "草加市" in page
    assert client.get(reverse("accounts:membership_requests")).status_code == 403
    assert client.get(reverse("events:coordinate")).status_code == 403


@pytest.mark.django_db
def test_signup_page_lists_organizations_but_creates_none(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "attacker@example.org",
            "full_name": "攻撃 者",
            "full_name_kana": "こうげき しゃ",
            "new_organization_name": "<script>alert(1)</script>草加市",
            "new_organization_kind": "municipality",
            "password1": "kyousei-2022-soka",
            "password2": "kyousei-2022-soka",
        },
    )
    assert response.status_code == 302
    assert not Organization.objects.filter(name__contains="script").exists()


@pytest.mark.django_db
def test_invitation_is_accepted_by_the_person_only(client, coordinator, outsider, municipality):
    invitation = membership.invite(user=outsider, organization=municipality, invited_by=coordinator)
    assert not Membership.objects.filter(user=outsider, organization=municipality).exists()
    assert Outbox.objects.filter(recipient=outsider, kind=Outbox.Kind.MEMBERSHIP_INVITATION).exists()
    someone = person(role="member", organization=municipality)
    client.force_login(someone)
    assert (
        client.post(reverse("accounts:membership_respond", args=[invitation.pk, "accept"])).status_code == 404
    )
    client.force_login(outsider)
    client.post(reverse("accounts:membership_respond", args=[invitation.pk, "accept"]))
    assert Membership.objects.filter(user=outsider, organization=municipality).exists()
