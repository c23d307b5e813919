"""Access, secrets, CSRF and read-only reviewers, for every route of the URL configuration.

The routes come from walking the URL configuration (routes.py), the objects in their URLs
belong to 草加市 (world.py), and who may reach each route is written in access_rules.py.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.urls import reverse

from tests.security import access_rules as rules
from tests.security.routes import Route, all_routes
from tests.security.world import MEDIA_PROBE, OWNER, PERSONAS, People, World, build, post_forms

ROUTES = all_routes()
LOGIN_PATHS = (reverse(settings.LOGIN_URL), "/admin/login/")
EVERY_PERSONA = (OWNER, *PERSONAS)
# Routes whose owner's form, posted as harvested, must change the database (the reviewer
# test's control that its data would do something if the permission check were missing).
OWNER_CHANGES = {
    "events:event_edit",
    "events:program",
    "events:publish",
    "events:cancel_event",
    "events:registration_action",
    "attendance:roster_mark",
    "surveys:settings",
    "reports:engagement_edit",
    "records:rule",
    "groupwork:generate",
    "groupwork:lock",
    "accounts:membership_request_approve",
    "accounts:membership_request_decline",
}


@pytest.fixture
def world(
    settings,
    tmp_path,
    municipality,
    organizer,
    participant,
    outsider,
    other_coordinator,
    other_organizer,
    reviewer,
):
    settings.SURVEYS_FILES_ROOT = tmp_path / "private"
    settings.RECORDS_FILES_ROOT = tmp_path / "records"
    built = build(
        municipality=municipality,
        organizer=organizer,
        participant=participant,
        outsider=outsider,
        other_coordinator=other_coordinator,
        other_organizer=other_organizer,
        reviewer=reviewer,
    )
    yield built
    (settings.MEDIA_ROOT / MEDIA_PROBE).unlink(missing_ok=True)


def rule_for(route: Route) -> rules.Rule:
    if route.key in rules.RULES:
        return rules.RULES[route.key]
    if route.namespace == "admin" or route.route.startswith("admin/"):
        return rules.RULES["admin:*"]
    return rules.DEFAULT


def _value(world: World, key: str):
    if key.startswith("="):
        return key[1:]
    if key in world.objects:
        return world.objects[key]
    target = getattr(world, key, None)
    if target is None:
        raise LookupError(f"the World has no {key!r} (tests/security/world.py)")
    return getattr(target, "pk", target)


def path_for(route: Route, world: World) -> str:
    rule = rule_for(route)
    kwargs = {}
    for name in route.params:
        key = rule.params.get(name, rules.PARAMS.get(name))
        if key is None:
            raise LookupError(
                f"{route.key}: no value for URL parameter <{name}>: give it in the route's rule"
            )
        kwargs[name] = _value(world, key)
    if route.named:
        return reverse(route.key, kwargs=kwargs or None)
    path = "/" + route.route.lstrip("^").rstrip("$")
    for name, value in kwargs.items():
        path = path.replace(f"(?P<{name}>.*)", str(value)).replace(f"<path:{name}>", str(value))
    return path


def outcome(response) -> str:
    """allow, deny, 405 (the method is not served) or error (the view crashed)."""
    if response.status_code == 405:
        return "405"
    if response.status_code >= 500:
        return "error"
    if response.status_code in (401, 403, 404):
        return "deny"
    if response.status_code in (301, 302, 303) and response["Location"].split("?")[0].endswith(LOGIN_PATHS):
        return "deny"
    return "allow"


def _method(people: People, path: str, rule: rules.Rule) -> str:
    """GET, or POST for a route that serves only POST (its owner's GET answers 405)."""
    response = people.request(OWNER, "GET", path)
    return "POST" if response.status_code == 405 else "GET"


def test_every_route_is_classified():
    unclassified = [f"{route.key}  ({route.route})" for route in ROUTES if rule_for(route) is rules.DEFAULT]
    assert not unclassified, (
        "Routes with no entry in tests/security/access_rules.py (until classified they count as "
        "'only the owner'): say who may reach each one.\n  " + "\n  ".join(unclassified)
    )


@pytest.mark.django_db
def test_access_matrix_for_every_route_and_persona_with_another_organizations_objects(world):
    people = People(world)
    wrong, secrets = [], [world.event.online_url, world.event.online_passcode]
    # Only these may ever read the join URL and passcode: the host's organizer, the registrant,
    # and the sponsor's reviewer (who reads the organizer's pages).
    secret_readers = {OWNER, "participant", "reviewer"}
    leaks = []
    for route in ROUTES:
        rule = rule_for(route)
        path = path_for(route, world)
        method = _method(people, path, rule)
        for persona in EVERY_PERSONA:
            cache.clear()  # rate limits must not turn an "allow" into a 429
            response = people.request(persona, method, path, post_data(rule, path, world, {}))
            got = outcome(response)
            expected = "allow" if persona in rule.allowed else "deny"
            if got != expected:
                wrong.append(
                    f"{route.key:42} {method:4} {persona:18} expected {expected}, got {got} ({response.status_code}) {path}"
                )
            body = b"" if getattr(response, "streaming", False) else response.content
            # A capability URL carries the owner's secret token: holding it is being the owner.
            holder_is_owner = rule.why.startswith(rules.CAPABILITY)
            if (
                persona not in secret_readers
                and not holder_is_owner
                and any(s.encode() in body for s in secrets)
            ):
                leaks.append(f"{route.key} shows the join URL or passcode to {persona}: {path}")
    assert not wrong, "Access differs from tests/security/access_rules.py:\n" + "\n".join(wrong)
    assert not leaks, "\n".join(leaks)


def owner_form_data(people: People, world: World) -> dict[str, dict]:
    """What the owner's pages would POST, by target path: every GET-able route is opened as
    the owner and the POST forms on it collected (with changed text, see post_forms)."""
    forms: dict[str, dict] = {}
    for route in ROUTES:
        path = path_for(route, world)
        page = people.request(OWNER, "GET", path)
        if (
            page.status_code == 200
            and not getattr(page, "streaming", False)
            and "html" in page.get("Content-Type", "")
        ):
            for target, data in post_forms(page.content.decode(errors="replace"), path).items():
                forms.setdefault(target, data)
    return forms


def post_data(rule: rules.Rule, path: str, world: World, forms: dict[str, dict]) -> dict:
    if rule.post is not None:
        ids = {**world.objects, **{k: getattr(v, "pk", v) for k, v in vars(world).items() if k != "objects"}}
        return {name: value.format(**ids) for name, value in rule.post.items()}
    return forms.get(path, {})


@pytest.mark.django_db
def test_every_post_refuses_a_missing_csrf_token(world):
    """The owner (who may do everything) posts what the owner's own form would send, without
    the token: every route refuses, and nothing in the database changes."""
    people = People(world)
    forms = owner_form_data(people, world)
    strict = People(world, enforce_csrf_checks=True)
    before = strict.request(OWNER, "GET", "/").db_after
    accepted = []
    for route in ROUTES:
        rule = rule_for(route)
        if rule.csrf_exempt:
            continue
        path = path_for(route, world)
        data = post_data(rule, path, world, forms)
        for persona in (OWNER, "anonymous"):
            response = strict.request(persona, "POST", path, data)
            if response.status_code != 403 or response.db_after != before:
                accepted.append(f"{route.key} as {persona}: {response.status_code} {path}")
    assert not accepted, "POST without a CSRF token was not refused:\n" + "\n".join(accepted)

    # The control: the same strict client gets through with the token.
    token = get_token(RequestFactory().get("/"))
    strict.clients["participant"].cookies[settings.CSRF_COOKIE_NAME] = token
    response = strict.clients["participant"].post(
        reverse("events:register", args=[world.event.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_reviewers_change_nothing(world):
    """As the reviewer, submit to every route what its owner's form would send (with changed
    text): refused, or at least nothing changed, except on the reviewer's own account
    (self-service routes)."""
    people = People(world)
    forms = owner_form_data(people, world)
    before = people.request("reviewer", "GET", "/").db_after
    changed, controls = [], []
    for route in ROUTES:
        rule = rule_for(route)
        if rule.self_service:
            continue
        path = path_for(route, world)
        data = post_data(rule, path, world, forms)
        response = people.request("reviewer", "POST", path, data)
        # The control: the same data from the owner does change something.
        if route.key in OWNER_CHANGES and people.request(OWNER, "POST", path, data).db_after == before:
            controls.append(route.key)
        if outcome(response) in ("deny", "405"):
            continue
        if outcome(response) == "error" or response.db_after != before:
            diff = sorted(t for t in before if before[t] != response.db_after.get(t))
            changed.append(f"{route.key}: {response.status_code}, changed {diff or 'nothing'} {path}")
    assert not changed, "A reviewer's POST was accepted:\n" + "\n".join(changed)
    assert not controls, f"The owner's own POST changed nothing on {controls}: the test data is too weak"
