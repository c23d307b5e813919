"""Who may open which event and registration page: the matrix, walked for every view."""

import pytest
from django.urls import reverse

from events.models import Registration
from tests.factories import EventFactory, RegistrationFactory

ALLOW, DENY, LOGIN = "allow", "deny", "login"

# (url name, args kind, method): expected outcome per persona.
# personas: anonymous, participant (registered), outsider, coordinator (same org as the
# registrant), other_coordinator, organizer (host), other_organizer, reviewer
PERSONAS = [
    "anonymous",
    "participant",
    "outsider",
    "coordinator",
    "other_coordinator",
    "organizer",
    "other_organizer",
    "reviewer",
]

MATRIX = {
    ("events:list", "none", "get"): dict.fromkeys(PERSONAS, ALLOW),
    ("events:detail", "event", "get"): dict.fromkeys(PERSONAS, ALLOW),
    ("events:mine", "none", "get"): {**dict.fromkeys(PERSONAS, ALLOW), "anonymous": LOGIN},
    ("events:manage", "none", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
        "other_organizer": ALLOW,
    },
    ("events:manage_event", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
        "reviewer": ALLOW,
    },
    ("events:registrations", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
        "reviewer": ALLOW,
    },
    ("events:export_registrations", "event_xlsx", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
        "reviewer": ALLOW,
    },
    ("events:event_edit", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
    },
    ("events:program", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
    },
    ("events:cancel_event", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
    },
    ("events:next_session", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
    },
    ("events:publish", "event", "post"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
    },
    ("events:registration_action", "approve", "post"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "organizer": ALLOW,
    },
    ("events:coordinate", "none", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "coordinator": ALLOW,
        "other_coordinator": ALLOW,
    },
    ("events:bulk_register", "event", "get"): {
        **dict.fromkeys(PERSONAS, DENY),
        "anonymous": LOGIN,
        "coordinator": ALLOW,
        "other_coordinator": ALLOW,
    },
}


@pytest.fixture
def world(
    municipality, participant, outsider, coordinator, other_coordinator, organizer, other_organizer, reviewer
):
    event = EventFactory(hosts=[municipality], requires_approval=True)
    registration = RegistrationFactory(
        event=event, user=participant, status=Registration.Status.REQUESTED, organization=municipality
    )
    people = {
        "anonymous": None,
        "participant": participant,
        "outsider": outsider,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "organizer": organizer,
        "other_organizer": other_organizer,
        "reviewer": reviewer,
    }
    return event, registration, people


def _url(name, kind, event, registration):
    if kind == "none":
        return reverse(name)
    if kind == "event_xlsx":
        return reverse(name, args=[event.pk, "xlsx"])
    if kind == "approve":
        return reverse(name, args=[event.pk, registration.pk, "approve"])
    return reverse(name, args=[event.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kind", "method"), list(MATRIX))
def test_access_matrix(client, world, name, kind, method):
    event, registration, people = world
    url = _url(name, kind, event, registration)
    for persona, expected in MATRIX[(name, kind, method)].items():
        client.logout()
        if people[persona] is not None:
            client.force_login(people[persona])
        response = getattr(client, method)(url)
        if expected == ALLOW:
            assert response.status_code in (200, 302), (persona, url, response.status_code)
            if response.status_code == 302:
                assert "/accounts/login" not in response["Location"], (persona, url)
        elif expected == LOGIN:
            assert response.status_code == 302 and "/accounts/login" in response["Location"], (persona, url)
        else:
            assert response.status_code in (403, 404), (persona, url, response.status_code)


@pytest.mark.django_db
def test_join_url_only_for_confirmed_registrants_and_organizers(client, world):
    event, _registration, people = world
    for persona in ("anonymous", "participant", "outsider", "reviewer", "other_organizer"):
        client.logout()
        if people[persona]:
            client.force_login(people[persona])
        assert event.online_url not in client.get(event.get_absolute_url()).content.decode(), persona
    client.force_login(people["organizer"])
    assert event.online_url in client.get(event.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_reviewer_reads_registrations_but_has_no_actions(client, world):
    event, _registration, people = world
    client.force_login(people["reviewer"])
    html = client.get(reverse("events:registrations", args=[event.pk])).content.decode()
    assert people["participant"].full_name in html
    assert "registration_action" not in html and "/approve/" not in html


@pytest.mark.django_db
def test_drafts_are_hidden_from_the_public(client, world, municipality):
    draft = EventFactory(hosts=[municipality], status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.title not in client.get(reverse("events:list")).content.decode()
