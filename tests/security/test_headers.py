"""Security headers on every page, and the admin's sign-in rate limited like the site's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.factories import UserFactory, verified
from tests.security.routes import all_routes
from tests.security.test_access import _method, path_for, world  # noqa: F401 — the fixture
from tests.security.world import OWNER, People

ROUTES = all_routes()


def _csp_directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_route_carries_csp_permissions_referrer_and_no_store(world):  # noqa: F811
    """Opened as the owner (who may see everything): every response, pages and downloads
    alike, has the CSP, a Permissions-Policy, Referrer-Policy, and is never stored."""
    people = People(world)
    problems = []
    for route in ROUTES:
        path = path_for(route, world)
        if _method(people, path, None) != "GET":
            continue
        cache.clear()
        response = people.request(OWNER, "GET", path)
        if response.status_code >= 500:
            problems.append(f"{path}: {response.status_code}")
            continue
        headers = response.headers
        if "no-store" not in headers.get("Cache-Control", ""):
            problems.append(f"{path}: Cache-Control {headers.get('Cache-Control')!r}")
        csp = _csp_directives(headers.get("Content-Security-Policy", ""))
        default = csp.get("default-src")
        # Our policy, or a stricter one a view set (a download: default-src 'none'; sandbox).
        for directive in ("script-src", "style-src"):
            if csp.get(directive, default) not in (["'self'"], ["'none'"]):
                problems.append(f"{path}: CSP {headers.get('Content-Security-Policy')!r}")
        if "camera=()" not in headers.get("Permissions-Policy", ""):
            problems.append(f"{path}: Permissions-Policy missing")
        if headers.get("Referrer-Policy") != settings.SECURE_REFERRER_POLICY:
            problems.append(f"{path}: Referrer-Policy {headers.get('Referrer-Policy')!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_templates_have_no_inline_script_or_style(world):  # noqa: F811
    """What the CSP would block: inline scripts, handlers, <style> and style="" in any page."""
    import re

    people = People(world)
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style[\s>]|\sstyle=\"|\son[a-z]+=\"",
        re.IGNORECASE,
    )
    found = []
    for route in ROUTES:
        path = path_for(route, world)
        if _method(people, path, None) != "GET":
            continue
        cache.clear()
        response = people.request(OWNER, "GET", path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        if getattr(response, "streaming", False) or path.startswith("/admin/"):
            continue
        for match in inline.finditer(response.content.decode(errors="replace")):
            found.append(f"{path}: {match.group(0)}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_admin_login_goes_through_the_rate_limited_sign_in(client):
    admin = verified(UserFactory(email="root@example.jp", is_staff=True, is_superuser=True))
    # The admin's own login form is gone: a POST of the password there signs nobody in.
    for _ in range(30):
        response = client.post("/admin/login/", {"username": admin.email, "password": "wrong"})
        assert response.status_code == 302
    response = client.post("/admin/login/", {"username": admin.email, "password": "tsunagu-demo-2022"})
    assert "_auth_user_id" not in client.session
    assert response["Location"].startswith("/accounts/login/?next=")

    # Through the site's sign-in: wrong passwords are limited, even the right one is refused.
    for _ in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": admin.email, "password": "wrong"})
    refused = client.post(
        "/accounts/login/?next=/admin/", {"login": admin.email, "password": "tsunagu-demo-2022"}
    )
    assert "_auth_user_id" not in client.session
    assert "ログイン失敗が連続しています" in refused.content.decode()

    cache.clear()  # the limit has passed
    signed_in = client.post(
        "/accounts/login/?next=/admin/", {"login": admin.email, "password": "tsunagu-demo-2022"}
    )
    # The password is accepted: on to the admin (or to the second factor staff may need).
    assert signed_in.status_code == 302
    assert signed_in["Location"] in ("/admin/", "/accounts/2fa/authenticate/")

    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/?next=/admin/accounts/").headers["Location"] == "/admin/accounts/"


@pytest.mark.django_db
def test_admin_login_for_someone_without_staff_rights(client, participant):
    client.force_login(participant)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/admin/login/?next=https://evil.example/").status_code == 302
