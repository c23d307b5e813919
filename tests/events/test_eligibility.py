"""Who may come: eligibility and per-organization quotas (issue 11, item 3)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts import membership
from events import services
from events.models import Event, EventInvitee, ParticipatingOrganization, Registration
from tests.factories import EventFactory, OrganizationFactory, UserFactory, person, verified

Eligibility = Event.Eligibility
Status = Registration.Status


@pytest.mark.django_db
def test_host_members_only_refuses_others_clearly_and_says_who_it_is_for(
    client, municipality, participant, outsider
):
    department = OrganizationFactory(name="福祉政策課", parent=municipality)
    colleague = person(role="member", organization=department)
    event = EventFactory(hosts=[municipality], eligibility=Eligibility.HOST_MEMBERS)
    assert services.register(event, participant).status == Status.CONFIRMED
    assert services.register(event, colleague).status == Status.CONFIRMED
    with pytest.raises(services.RegistrationError) as refused:
        services.register(event, outsider)
    assert "草加市" in str(refused.value)
    client.force_login(outsider)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "草加市の職員" in page or "草加市" in page
    assert reverse("events:register", args=[event.pk]) not in page
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    assert not Registration.objects.filter(event=event, user=outsider).exists()
    assert "草加市" in response.content.decode()


@pytest.mark.django_db
def test_a_pending_applicant_is_not_staff(municipality):
    applicant = verified(UserFactory())
    membership.request_membership(user=applicant, organization=municipality)
    event = EventFactory(hosts=[municipality], eligibility=Eligibility.HOST_MEMBERS)
    with pytest.raises(services.RegistrationError):
        services.register(event, applicant)


@pytest.mark.django_db
def test_participating_organizations(municipality, other_municipality, participant, outsider):
    third = OrganizationFactory(name="当別町", prefecture="北海道")
    stranger = person(role="member", organization=third)
    event = EventFactory(hosts=[municipality], eligibility=Eligibility.PARTICIPATING)
    ParticipatingOrganization.objects.create(event=event, organization=other_municipality)
    assert services.register(event, outsider).status == Status.CONFIRMED
    with pytest.raises(services.RegistrationError):
        services.register(event, stranger)


@pytest.mark.django_db
def test_invitation_only_by_organization_or_confirmed_address(municipality, other_municipality, outsider):
    event = EventFactory(hosts=[municipality], eligibility=Eligibility.INVITATION)
    EventInvitee.objects.create(event=event, email="guest@example.net")
    EventInvitee.objects.create(event=event, organization=other_municipality)
    guest = verified(UserFactory(email="guest@example.net"))
    unconfirmed = UserFactory(email="other@example.net")
    EventInvitee.objects.create(event=event, email="other@example.net")
    assert services.register(event, guest).status == Status.CONFIRMED
    assert services.register(event, outsider).status == Status.CONFIRMED
    with pytest.raises(services.RegistrationError):
        services.register(event, unconfirmed)  # an address nobody confirmed proves nothing
    with pytest.raises(services.RegistrationError):
        services.register(event, UserFactory())


@pytest.mark.django_db
def test_a_quota_larger_than_the_capacity_is_refused_beside_the_field(client, organizer, municipality):
    event = EventFactory(hosts=[municipality], capacity=10)
    client.force_login(organizer)
    page = client.get(reverse("events:event_edit", args=[event.pk]))
    assert page.status_code == 200
    from tests.events.test_cohosts import _FormValues

    parser = _FormValues()
    parser.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value.strip("\n"))
    data["quota_per_organization"] = ["11"]
    response = client.post(reverse("events:event_edit", args=[event.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_quota_per_organization_error"' in html
    event.refresh_from_db()
    assert event.quota_per_organization is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(quota_per_organization=11)


@pytest.mark.django_db
def test_quota_waitlist_keeps_each_organizations_order(municipality, other_municipality):
    soka = [person(role="member", organization=municipality) for _ in range(3)]
    toma = [person(role="member", organization=other_municipality) for _ in range(2)]
    event = EventFactory(hosts=[municipality], capacity=4, quota_per_organization=2)
    results = [services.register(event, u).status for u in (*soka, *toma)]
    # The third from 草加市 waits although seats are left; 苫小牧市 takes its two.
    assert results == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.CONFIRMED,
        Status.CONFIRMED,
    ]
    late = person(role="member", organization=other_municipality)
    assert services.register(event, late).status == Status.WAITLISTED
    # A 苫小牧市 seat frees: 苫小牧市's first waiting person moves up, not 草加市's earlier one.
    services.cancel_registration(Registration.objects.get(event=event, user=toma[0]), by=toma[0])
    assert Registration.objects.get(event=event, user=late).status == Status.CONFIRMED
    assert Registration.objects.get(event=event, user=soka[2]).status == Status.WAITLISTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_people_from_three_organizations_race_for_ten_seats_four_each():
    assert connection.vendor == "postgresql"
    orgs = [OrganizationFactory(name=f"市{i}") for i in range(3)]
    people = [(org, person(role="member", organization=org)) for org in orgs for _ in range(10)]
    event = EventFactory(hosts=[orgs[0]], capacity=10, quota_per_organization=4)
    barrier = threading.Barrier(10)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for _org, user in chunk:
                services.register(event, user)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(people[i::10],)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    confirmed = Registration.objects.filter(event=event, status=Status.CONFIRMED)
    assert confirmed.count() == 10
    per_org = {org.pk: confirmed.filter(organization=org).count() for org in orgs}
    assert max(per_org.values()) <= 4, per_org
    assert Registration.objects.filter(event=event, status=Status.WAITLISTED).count() == 20
