"""Capacity under concurrent requests, on PostgreSQL with real row locks."""

import threading

import pytest
from django.db import connection

from events import services
from events.models import Registration
from tests.factories import EventFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_seat_is_sold_twice_under_concurrent_registration(municipality):
    assert connection.vendor == "postgresql"
    event = EventFactory(capacity=5, hosts=[municipality])
    users = UserFactory.create_batch(24)
    barrier = threading.Barrier(8)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for user in chunk:
                services.register(event, user)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(users[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count("confirmed") == 5
    assert statuses.count("waitlisted") == 19


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_submit_creates_one_registration(municipality):
    event = EventFactory(hosts=[municipality])
    user = UserFactory()
    barrier = threading.Barrier(6)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            services.register(event, user)
            outcomes.append("ok")
        except services.RegistrationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert Registration.objects.filter(event=event, user=user).count() == 1
