"""Every main page (tests/e2e/pages.py) in a real browser with axe-core, WCAG 2.0/2.1 A and
AA: no violation of impact serious or critical; and the same pages' HTML through the Nu
HTML Checker: no error."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.e2e import browser as tools
from tests.e2e.conftest import screenshot
from tests.e2e.pages import PAGES, build_world


@pytest.fixture
def world(municipality, organizer, participant, reviewer, coordinator):
    return build_world(
        municipality=municipality,
        organizer=organizer,
        participant=participant,
        reviewer=reviewer,
        coordinator=coordinator,
    )


CONTROL = "control: a broken page"


def _report_left_out(left_out: list[str]) -> None:
    if left_out:
        print("Pages left out (their views are not in the URL configuration yet):", ", ".join(left_out))


@pytest.mark.django_db(transaction=True)
def test_main_pages_have_no_serious_or_critical_axe_violations(site, world):
    page = site.page()
    problems, left_out, who_now = [], [], "nobody"
    for spec in PAGES:
        path = spec.path(world)
        if path is None:
            left_out.append(spec.label)
            continue
        if spec.who != who_now:
            site.logout()
            if spec.who:
                site.login(getattr(world, spec.who))
            who_now = spec.who
        response = page.goto(path)
        if spec.post is not None:  # submit the form empty-handed to see the errors
            page.locator("main form button[type=submit]").first.click()
            page.wait_for_load_state()
        assert response is not None and response.ok, (
            f"{spec.label}: {path} answered {response and response.status}"
        )
        violations = tools.run_axe(page)
        if violations:
            problems.append(tools.format_axe(f"{spec.label} ({path})", violations))
            screenshot(page, "axe-" + spec.label.replace(" ", "-").replace(":", ""))
    _report_left_out(left_out)
    assert not problems, "axe-core, WCAG 2.1 A/AA, serious or critical:\n" + "\n".join(problems)

    # The control: the same machinery does report a page with known violations.
    page.set_content(
        '<html><head><title>x</title></head><body><main><img src="a.png"><input></main></body></html>'
    )
    assert {"image-alt", "label"} <= {v["id"] for v in tools.run_axe(page)}


@pytest.mark.django_db
def test_main_pages_are_valid_html(world, tmp_path):
    documents, left_out = {}, []
    clients: dict[str | None, Client] = {None: Client()}
    for spec in PAGES:
        path = spec.path(world)
        if path is None:
            left_out.append(spec.label)
            continue
        if spec.who not in clients:
            clients[spec.who] = Client()
            clients[spec.who].force_login(getattr(world, spec.who))
        client = clients[spec.who]
        response = client.post(path, spec.post) if spec.post is not None else client.get(path)
        assert response.status_code == 200, f"{spec.label}: {path} answered {response.status_code}"
        documents[f"{spec.label} ({path})"] = response.content.decode()
    _report_left_out(left_out)
    # The control, checked in the same run of the checker: a broken page is reported.
    documents[CONTROL] = (
        "<!DOCTYPE html><html lang=ja><head><title>x</title></head><body><p><div></span></body></html>"
    )
    errors = tools.validate_html(documents, tmp_path / "html")
    assert any(e.page == CONTROL for e in errors), "the Nu HTML Checker reports a broken page"
    errors = [e for e in errors if e.page != CONTROL]
    assert not errors, "Nu HTML Checker errors:\n" + "\n".join(map(str, errors))
