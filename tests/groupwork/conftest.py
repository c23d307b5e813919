from __future__ import annotations

import pytest

from accounts.models import Organization
from events.models import Event
from tests.factories import EventFactory, OrganizationFactory, RegistrationFactory, UserFactory

CITIES = ("行田市", "釧路市", "大牟田市", "坂井市")


@pytest.fixture
def cities(db) -> list[Organization]:
    return [OrganizationFactory(name=name) for name in CITIES]


@pytest.fixture
def meeting(municipality) -> Event:
    """An exchange meeting hosted by 草加市 (the `organizer` persona's organization)."""
    return EventFactory(hosts=[municipality], kind=Event.Kind.EXCHANGE_MEETING, title="自治体間意見交換会")


@pytest.fixture
def registrants(meeting, cities, participant, municipality):
    """The participant (草加市) and three staff of each of four other cities, confirmed."""
    result = [RegistrationFactory(event=meeting, user=participant, organization=municipality)]
    kana = iter("アイウエオカキクケコサシスセソ")
    for city in cities:
        for i in range(3):
            letter = next(kana)
            user = UserFactory(full_name=f"{city.name} 職員{i}", full_name_kana=f"{letter} ショクイン")
            result.append(RegistrationFactory(event=meeting, user=user, organization=city))
    return result
