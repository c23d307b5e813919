"""Substitutes (代理出席): a confirmed seat passes to a colleague (issue 11, item 4)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from events import services, transfers
from events.models import Registration
from notifications.models import Outbox
from tests.factories import EventFactory, OrganizationFactory, UserFactory, person

Status = Registration.Status
Kind = Outbox.Kind


@pytest.fixture
def colleague(municipality):
    department = OrganizationFactory(name="福祉政策課", parent=municipality)
    return person(role="member", organization=department, full_name="同僚 二郎", email="jiro@example.jp")


@pytest.mark.django_db
def test_the_registrant_passes_the_seat_through_the_page(client, participant, colleague, municipality):
    event = EventFactory(hosts=[municipality], capacity=1)
    first = services.register(event, participant)
    waiting = services.register(event, person(role="member", organization=municipality))
    assert waiting.status == Status.WAITLISTED
    client.force_login(participant)
    page = client.get(event.get_absolute_url()).content.decode()
    url = reverse("events:transfer", args=[event.pk, first.pk])
    assert url in page
    response = client.post(url, {"email": "ｊｉｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"})
    assert response.status_code == 302, response.content.decode()[-1500:]
    first.refresh_from_db()
    substitute = Registration.objects.get(event=event, user=colleague)
    assert first.status == Status.CANCELLED and substitute.status == Status.CONFIRMED
    # The seat was never free: the waitlisted person is still waiting.
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED
    # The organization stays, so its sheet stays with it.
    assert substitute.organization == first.organization == municipality
    cancel = Outbox.objects.get(recipient=participant, kind=Kind.REGISTRATION_CANCELLED)
    invite = Outbox.objects.get(recipient=colleague, kind=Kind.REGISTRATION_CONFIRMED)
    assert cancel.event == invite.event == event


@pytest.mark.django_db
def test_outside_the_tree_or_already_registered_is_refused_and_nothing_changes(
    client, participant, outsider, colleague, municipality
):
    event = EventFactory(hosts=[municipality], capacity=5)
    first = services.register(event, participant)
    services.register(event, colleague)
    client.force_login(participant)
    url = reverse("events:transfer", args=[event.pk, first.pk])
    for email in (outsider.email, "nobody@example.jp"):
        response = client.post(url, {"email": email})
        assert response.status_code == 200
        assert 'id="id_email_error"' in response.content.decode()
    # An outsider and an unknown address get the same answer.
    answers = {
        client.post(url, {"email": e}).context["form"].errors["email"][0]
        for e in (outsider.email, "x@example.jp")
    }
    assert len(answers) == 1
    refused = client.post(url, {"email": colleague.email})
    assert "同僚 二郎" in refused.context["form"].errors["email"][0]
    first.refresh_from_db()
    assert first.status == Status.CONFIRMED
    assert Registration.objects.filter(event=event, status=Status.CONFIRMED).count() == 2


@pytest.mark.django_db
def test_who_may_pass_a_seat(
    client,
    participant,
    colleague,
    coordinator,
    organizer,
    outsider,
    other_coordinator,
    reviewer,
    municipality,
):
    event = EventFactory(hosts=[municipality], capacity=5)
    first = services.register(event, participant)
    url = reverse("events:transfer", args=[event.pk, first.pk])
    for someone in (outsider, other_coordinator, reviewer):
        client.force_login(someone)
        assert client.post(url, {"email": colleague.email}).status_code == 403
    assert Registration.objects.get(pk=first.pk).status == Status.CONFIRMED
    for someone in (coordinator, organizer):
        client.force_login(someone)
        assert client.get(url).status_code == 200
    client.force_login(organizer)
    assert client.post(url, {"email": colleague.email}).status_code == 302
    assert Registration.objects.get(event=event, user=colleague).registered_by == organizer


@pytest.mark.django_db
def test_an_individuals_seat_cannot_be_passed_on(participant, colleague, municipality):
    event = EventFactory(hosts=[municipality])
    registration = services.register(event, UserFactory())
    assert registration.organization_id is None
    with pytest.raises(services.RegistrationError):
        transfers.transfer(registration, to=colleague, by=registration.user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transfer_racing_a_cancellation_never_frees_or_doubles_the_seat(municipality):
    assert connection.vendor == "postgresql"
    for _round in range(5):
        event = EventFactory(hosts=[municipality], capacity=1)
        holder = person(role="member", organization=municipality)
        colleague = person(role="member", organization=municipality)
        waiting_user = person(role="member", organization=municipality)
        seat = services.register(event, holder)
        waiting = services.register(event, waiting_user)
        assert waiting.status == Status.WAITLISTED
        barrier = threading.Barrier(2)
        outcomes = []

        def do_transfer(seat=seat, colleague=colleague, holder=holder, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                transfers.transfer(seat, to=colleague, by=holder)
                outcomes.append("transferred")
            except services.RegistrationError:
                outcomes.append("transfer refused")
            finally:
                connection.close()

        def do_cancel(seat=seat, holder=holder, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                services.cancel_registration(seat, by=holder)
                outcomes.append("cancelled")
            finally:
                connection.close()

        threads = [threading.Thread(target=do_transfer), threading.Thread(target=do_cancel)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        confirmed = list(
            Registration.objects.filter(event=event, status=Status.CONFIRMED).values_list(
                "user_id", flat=True
            )
        )
        assert len(confirmed) == 1, (outcomes, confirmed)
        if "transferred" in outcomes:
            # The transfer came first; the cancellation found the seat already passed on.
            assert confirmed == [colleague.pk]
        else:
            # The cancellation came first: the waitlist moved up, the transfer was refused.
            assert confirmed == [waiting_user.pk] and "transfer refused" in outcomes
