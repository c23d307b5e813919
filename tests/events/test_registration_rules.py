import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from events import domain, services
from events.models import Event, Registration
from tests.factories import EventFactory, UserFactory

S = Registration.Status


@pytest.fixture
def captured():
    seen = []

    def receiver(sender, name, **payload):
        seen.append((name, payload.get("registration") or payload.get("event")))

    domain.domain_event.connect(receiver, dispatch_uid="test-capture")
    yield seen
    domain.domain_event.disconnect(dispatch_uid="test-capture")


@pytest.mark.django_db
def test_full_event_waitlists_in_arrival_order_and_promotes_on_cancel(municipality, captured):
    event = EventFactory(capacity=2, hosts=[municipality])
    people = UserFactory.create_batch(4)
    regs = [services.register(event, p) for p in people]
    assert [r.status for r in regs] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    assert regs[2].waitlist_position() == 1
    assert regs[3].waitlist_position() == 2

    services.cancel_registration(regs[0], by=people[0])
    regs[2].refresh_from_db()
    regs[3].refresh_from_db()
    assert regs[2].status == S.CONFIRMED
    assert regs[3].waitlist_position() == 1
    names = [name for name, _ in captured]
    assert names.count(domain.REGISTRATION_CONFIRMED) == 2
    assert names.count(domain.REGISTRATION_WAITLISTED) == 2
    assert domain.REGISTRATION_CANCELLED in names
    assert domain.REGISTRATION_PROMOTED in names


@pytest.mark.django_db
def test_refusals_have_japanese_messages(municipality, participant):
    now = timezone.now()
    not_yet = EventFactory(registration_opens_at=now + dt.timedelta(days=1))
    closed = EventFactory(registration_closes_at=now - dt.timedelta(minutes=1))
    cancelled = EventFactory(status=Event.Status.CANCELLED, cancel_reason="台風")
    finished = EventFactory(
        starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=2, hours=-2)
    )
    open_event = EventFactory()
    services.register(open_event, participant)
    cases = {
        not_yet: "申込受付は",
        closed: "申込は締め切りました",
        cancelled: "中止",
        finished: "終了",
        open_event: "既に申し込んでいます",
    }
    from django.utils import translation

    with translation.override("ja"):
        for event, text in cases.items():
            with pytest.raises(services.RegistrationError) as excinfo:
                services.register(event, participant)
            assert text in str(excinfo.value), (event, str(excinfo.value))


@pytest.mark.django_db
def test_database_refuses_a_second_active_registration(participant):
    from django.db import IntegrityError, transaction

    event = EventFactory()
    Registration.objects.create(event=event, user=participant, status=S.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, user=participant, status=S.WAITLISTED)
    # A cancelled registration does not block a new one.
    Registration.objects.filter(event=event).update(status=S.CANCELLED)
    Registration.objects.create(event=event, user=participant, status=S.CONFIRMED)


@pytest.mark.django_db
def test_approval_mode_respects_capacity(organizer, municipality):
    event = EventFactory(capacity=1, requires_approval=True, hosts=[municipality])
    a, b = UserFactory.create_batch(2)
    ra, rb = services.register(event, a), services.register(event, b)
    assert ra.status == rb.status == S.REQUESTED
    services.approve(ra, by=organizer)
    with pytest.raises(services.RegistrationError, match=r"満席|full"):
        services.approve(rb, by=organizer)
    services.waitlist(rb, by=organizer)
    with pytest.raises(services.TransitionError):
        services.decline(ra, by=organizer)  # a confirmed seat is cancelled, not declined
    services.cancel_registration(ra, by=organizer)
    rb.refresh_from_db()
    assert rb.status == S.CONFIRMED  # the freed seat went to the waitlist


@pytest.mark.django_db
def test_only_organizers_of_a_host_approve(other_organizer, reviewer, municipality):
    event = EventFactory(requires_approval=True, hosts=[municipality])
    reg = services.register(event, UserFactory())
    for user in (other_organizer, reviewer):
        with pytest.raises(PermissionDenied):
            services.approve(reg, by=user)


@pytest.mark.django_db
def test_model_guards_status_transitions():
    event = EventFactory(status=Event.Status.DRAFT, online_url="")
    with pytest.raises(services.TransitionError, match="URL"):
        event.publish()
    event.online_url = "https://zoom.example.jp/j/1"
    event.publish()
    event.complete()
    with pytest.raises(services.TransitionError):
        event.cancel("遅すぎる")


@pytest.mark.django_db
def test_time_change_bumps_revision_and_emits_changes(organizer, municipality, captured):
    event = EventFactory(hosts=[municipality])
    new_start = event.starts_at + dt.timedelta(hours=1)
    services.update_event(
        event, by=organizer, data={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=2)}
    )
    event.refresh_from_db()
    assert event.revision == 2
    assert captured[-1][0] == domain.EVENT_CHANGED
    services.update_event(event, by=organizer, data={"audience": "社協職員"})
    event.refresh_from_db()
    assert event.revision == 2  # audience is not time, place or URL


@pytest.mark.django_db
def test_cancel_event_needs_reason_and_emits(organizer, municipality, captured):
    event = EventFactory(hosts=[municipality])
    with pytest.raises(services.TransitionError):
        services.cancel_event(event, by=organizer, reason="  ")
    services.cancel_event(event, by=organizer, reason="感染症拡大のため")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert captured[-1][0] == domain.EVENT_CANCELLED


@pytest.mark.django_db
def test_count_at_deadline_is_kept(municipality):
    closes = timezone.now() + dt.timedelta(days=1)
    event = EventFactory(registration_closes_at=closes, hosts=[municipality])
    regs = [services.register(event, u) for u in UserFactory.create_batch(3)]
    with time_machine.travel(closes + dt.timedelta(minutes=5)):
        assert services.snapshot_deadline_counts() == 1
    Registration.objects.filter(pk=regs[0].pk).update(status=S.CANCELLED)
    event.refresh_from_db()
    assert event.count_at_deadline == 3
    assert services.registration_count_as_of_deadline(event) == 3


@pytest.mark.django_db
def test_next_session_copies_program_and_numbers(organizer, municipality):
    from tests.factories import EventSeriesFactory, ProgramItemFactory

    series = EventSeriesFactory(hosts=[municipality])
    first = EventFactory(series=series, number=1, hosts=[municipality], title=series.title)
    ProgramItemFactory(event=first, title="開催挨拶")
    ProgramItemFactory(event=first, title="政策説明")
    starts = first.starts_at + dt.timedelta(days=16)
    second = services.copy_as_next_session(
        first, by=organizer, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )
    assert second.number == 2
    assert second.status == Event.Status.DRAFT
    assert list(second.program_items.values_list("title", flat=True)) == ["開催挨拶", "政策説明"]
    assert "第2回" in second.display_title or "Session 2" in second.display_title
