"""The coordinator annexation of issue 11, replayed: no role, no name, an invitation.

草加市's coordinator typed `new_people="誰か, organizer-tomakomai@example.jp"`: it gave
苫小牧市's organizer a member role at 草加市 and a registration; for another address the
page answered "大原 事務局: この研修には既に申し込んでいます" (the name behind any email).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Membership, MembershipRequest, User
from events.bulk_registration import bulk_register
from events.models import Registration
from notifications.models import Outbox
from tests.factories import EventFactory, OrganizationFactory, person


def _answer(html: str) -> str:
    """The page's result, without the form and the CSRF token that differ per request."""
    main = html.split('<form method="post" class="form"')[0]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


@pytest.mark.django_db
def test_typing_another_municipalitys_organizer_grants_nothing_and_reveals_nothing(
    client, coordinator, municipality, other_organizer, other_municipality
):
    event = EventFactory(hosts=[municipality], capacity=30)
    yuyu = OrganizationFactory(name="社会福祉法人ゆうゆう", prefecture="北海道")
    ohara = person(role="organizer", organization=yuyu, full_name="大原 事務局", email="ohara@example.jp")
    Registration.objects.create(event=event, user=ohara, status="confirmed", organization=yuyu)
    client.force_login(coordinator)
    url = reverse("events:bulk_register", args=[event.pk])

    annex = client.post(url, {"new_people": f"誰か, {other_organizer.email}"})
    registered_elsewhere = client.post(url, {"new_people": "誰か, ohara@example.jp"})
    brand_new = client.post(url, {"new_people": "誰か, nobody-yet@example.jp"})

    # No role, no registration for the outsiders …
    assert not Membership.objects.filter(user=other_organizer, organization=municipality).exists()
    assert set(Membership.objects.filter(user=other_organizer).values_list("role", flat=True)) == {
        "organizer"
    }
    assert not Registration.objects.filter(event=event, user=other_organizer).exists()
    assert not Membership.objects.filter(user=ohara, organization=municipality).exists()
    # … no name shown, and the same answer as for an address that had no account.
    for response in (annex, registered_elsewhere):
        html = response.content.decode()
        assert "苫小牧 三郎" not in html and "大原 事務局" not in html
    normalise = lambda r, email: _answer(r.content.decode().replace(email, "EMAIL"))  # noqa: E731
    assert normalise(annex, other_organizer.email) == normalise(brand_new, "nobody-yet@example.jp")
    assert normalise(registered_elsewhere, "ohara@example.jp") == normalise(
        brand_new, "nobody-yet@example.jp"
    )
    # An invitation was sent instead (an outbox row), which they may accept or ignore.
    invitation = MembershipRequest.objects.get(user=other_organizer, organization=municipality)
    assert invitation.status == MembershipRequest.Status.INVITED and invitation.invited_by == coordinator
    assert Outbox.objects.filter(recipient=other_organizer, kind=Outbox.Kind.MEMBERSHIP_INVITATION).exists()
    # The brand-new address became a 草加市 member, registered, with a "set your password" mail.
    newcomer = User.objects.get(email="nobody-yet@example.jp")
    assert Membership.objects.filter(user=newcomer, organization=municipality, role="member").exists()
    assert Registration.objects.get(event=event, user=newcomer).registered_by == coordinator
    assert Outbox.objects.filter(recipient=newcomer, kind=Outbox.Kind.INVITATION).exists()


@pytest.mark.django_db
def test_accepting_the_invitation_grants_membership_and_registers(
    client, coordinator, municipality, outsider
):
    event = EventFactory(hosts=[municipality], capacity=30)
    bulk_register(
        event, coordinator=coordinator, organization=municipality, new_people=[("外部", outsider.email)]
    )
    assert not Registration.objects.filter(user=outsider).exists()
    invitation = MembershipRequest.objects.get(user=outsider, organization=municipality)
    client.force_login(outsider)
    client.post(reverse("accounts:membership_respond", args=[invitation.pk, "accept"]))
    assert Membership.objects.filter(user=outsider, organization=municipality).exists()
    registration = Registration.objects.get(event=event, user=outsider)
    assert registration.organization == municipality and registration.registered_by == coordinator


@pytest.mark.django_db
def test_a_forged_member_id_from_another_organization_is_refused_without_a_name(
    client, coordinator, municipality, outsider
):
    event = EventFactory(hosts=[municipality])
    result = bulk_register(event, coordinator=coordinator, organization=municipality, members=[outsider])
    assert not Registration.objects.filter(user=outsider).exists()
    assert all(outsider.full_name not in who for who, _why in result.refused)
    client.force_login(coordinator)
    response = client.post(reverse("events:bulk_register", args=[event.pk]), {"members": [outsider.pk]})
    assert outsider.full_name not in response.content.decode()
    assert not Registration.objects.filter(user=outsider).exists()


@pytest.mark.django_db
def test_a_pending_applicant_is_not_a_member_to_register(coordinator, municipality):
    from accounts import membership
    from tests.factories import UserFactory

    applicant = UserFactory()
    membership.request_membership(user=applicant, organization=municipality)
    event = EventFactory(hosts=[municipality])
    result = bulk_register(event, coordinator=coordinator, organization=municipality, members=[applicant])
    assert result.registered == []
    assert not Registration.objects.filter(user=applicant).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_person_is_one_transaction(coordinator, municipality, monkeypatch):
    """A failure in the middle of the second person leaves the first done and the second untouched."""
    assert connection.vendor == "postgresql"
    from events import bulk_registration

    event = EventFactory(hosts=[municipality], capacity=30)
    real = bulk_registration.register
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_registration, "register", crash_on_second)
    with pytest.raises(RuntimeError):
        bulk_register(
            event,
            coordinator=coordinator,
            organization=municipality,
            new_people=[("一番 目", "first@example.jp"), ("二番 目", "second@example.jp")],
        )
    first = User.objects.get(email="first@example.jp")
    assert Registration.objects.filter(user=first, event=event).exists()
    assert Outbox.objects.filter(recipient=first, kind=Outbox.Kind.INVITATION).exists()
    assert not User.objects.filter(email="second@example.jp").exists()
    assert not MembershipRequest.objects.filter(user__email="second@example.jp").exists()
