"""Co-hosts are kept when an organizer saves an event or series (issue 11, item 5).

The issue's replay: event 9 had hosts [3, 1]; after 草加市's organizer saved it unchanged,
it had [1]. Here the edit page is opened and posted back exactly as the browser would.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from events import services
from events.models import Event
from tests.factories import EventFactory, EventSeriesFactory, OrganizationFactory


class _FormValues(HTMLParser):
    """The values a browser would submit for the page's main form (no JavaScript)."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post" and not self._in_form:
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.data.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.data[-1]
            self.data[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _resubmit(client, url):
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormValues()
    parser.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value.strip("\n"))
    return page, client.post(url, data)


@pytest.mark.django_db
def test_saving_an_event_unchanged_keeps_the_other_hosts(client, organizer, municipality, other_municipality):
    event = EventFactory(hosts=[other_municipality, municipality], capacity=30)
    client.force_login(organizer)
    page, response = _resubmit(client, reverse("events:event_edit", args=[event.pk]))
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert set(event.hosts.values_list("pk", flat=True)) == {municipality.pk, other_municipality.pk}
    # The page says the co-host is kept, rather than hiding it.
    assert other_municipality.display_name in page.content.decode()


@pytest.mark.django_db
def test_an_editor_adds_and_removes_only_their_own_organizations(organizer, municipality, other_municipality):
    department = OrganizationFactory(name="福祉政策課", parent=municipality)
    event = EventFactory(hosts=[other_municipality, municipality])
    services.update_event(event, by=organizer, data={}, hosts=[department])
    assert set(event.hosts.all()) == {other_municipality, department}


@pytest.mark.django_db
def test_a_forged_post_cannot_add_or_remove_someone_elses_organization(
    client, organizer, municipality, other_municipality
):
    third = OrganizationFactory(name="当別町", prefecture="北海道")
    event = EventFactory(hosts=[other_municipality, municipality])
    client.force_login(organizer)
    url = reverse("events:event_edit", args=[event.pk])
    _page, ok = _resubmit(client, url)
    assert ok.status_code == 302
    # Adding an organization one does not run events for: refused by the service.
    with pytest.raises(PermissionDenied):
        services.update_event(event, by=organizer, data={}, hosts=[municipality, third])
    assert set(event.hosts.all()) == {other_municipality, municipality}


@pytest.mark.django_db
def test_creating_an_event_for_another_organization_is_refused(organizer, other_municipality):
    with pytest.raises(PermissionDenied):
        services.create_event(
            by=organizer,
            data={
                "title": "研修",
                "starts_at": EventFactory.build().starts_at,
                "ends_at": EventFactory.build().ends_at,
            },
            hosts=[other_municipality],
        )
    assert not Event.objects.filter(title="研修").exists()


@pytest.mark.django_db
def test_saving_a_series_unchanged_keeps_the_other_hosts(client, organizer, municipality, other_municipality):
    series = EventSeriesFactory(hosts=[other_municipality, municipality])
    client.force_login(organizer)
    _page, response = _resubmit(client, reverse("events:series_edit", args=[series.pk]))
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert set(series.hosts.all()) == {municipality, other_municipality}


@pytest.mark.django_db
def test_the_other_hosts_organizer_keeps_the_event_after_our_edit(
    client, organizer, other_organizer, municipality, other_municipality
):
    event = EventFactory(hosts=[other_municipality, municipality])
    client.force_login(organizer)
    _resubmit(client, reverse("events:event_edit", args=[event.pk]))
    client.force_login(other_organizer)
    assert client.get(reverse("events:event_edit", args=[event.pk])).status_code == 200
