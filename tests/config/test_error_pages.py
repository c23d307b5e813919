"""Error pages: Japanese, inside the site layout, with a way back; 500 without database."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from config import errors

HOME_LINK = 'href="/"'


@pytest.fixture
def raising_urls(settings):
    settings.ROOT_URLCONF = "tests.config.raising_urls"


@pytest.mark.django_db
def test_404_is_the_sites_page_in_japanese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ページが見つかりません" in body
    assert 'class="site-header"' in body and HOME_LINK in body
    assert '<html lang="ja">' in body


@pytest.mark.django_db
def test_404_in_english_for_someone_who_chose_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/events/999999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_500_renders_without_database_or_session(raising_urls):
    # No django_db mark: any query raises. A client that does not re-raise sees the page.
    client = Client(raise_request_exception=False)
    response = client.get("/__test__/raise")
    assert response.status_code == 500
    body = response.content.decode()
    assert "システムでエラーが発生しました" in body
    assert 'class="site-header"' in body and HOME_LINK in body


def test_500_page_when_the_template_engine_itself_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "システムでエラーが発生しました" in response.content.decode()


@pytest.mark.django_db
def test_500_after_a_failed_query(raising_urls):
    client = Client(raise_request_exception=False)
    response = client.get("/__test__/raise-db")
    assert response.status_code == 500
    assert HOME_LINK in response.content.decode()


@pytest.mark.django_db
def test_403_and_400_pages(raising_urls):
    client = Client(raise_request_exception=False)
    forbidden = client.get("/__test__/forbidden")
    assert forbidden.status_code == 403
    assert "このページは開けません" in forbidden.content.decode()
    bad = client.get("/__test__/bad")
    assert bad.status_code == 400
    assert "リクエストを処理できませんでした" in bad.content.decode()


@pytest.mark.django_db
def test_csrf_failure_page(participant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant)
    response = client.post("/me/language/", {"language": "en"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "フォームを送信できませんでした" in body
    assert HOME_LINK in body


def test_debug_shows_the_site_404_unless_technical_pages_are_asked_for(settings, rf):
    settings.DEBUG = True
    middleware = errors.SiteErrorPagesInDebugMiddleware(lambda request: pytest.fail("not reached"))
    response = middleware(rf.get("/no-such-page/"))
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


@pytest.mark.django_db
def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".ico")
