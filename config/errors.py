"""The site's own error pages, in Japanese, inside the site layout.

400 and 500 are rendered without the request: the session, the user and the database may
be the very thing that failed, so those pages need none of them (tests/config/test_error_pages.py
renders the 500 page with the database blocked). If even the template fails, a fixed page
is returned rather than nothing.

With DEBUG on (``make run``) a missing page shows the same 404 page people see in
production and an exception shows the 500 page with the traceback in the console; Django's
technical pages come back with ``DEBUG_TECHNICAL_PAGES=1``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden, HttpResponseServerError
from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER
from django.template import loader
from django.urls import Resolver404, get_resolver, resolve
from django.views import defaults

logger = logging.getLogger("tsunagu.errors")

FALLBACK_500 = (
    '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
    "<title>サーバーエラー | つなぐ</title></head><body><main>"
    "<h1>システムでエラーが発生しました</h1>"
    "<p>しばらくしてからもう一度お試しください。</p>"
    '<p><a href="/">トップページへ戻る</a></p></main></body></html>'
)


def server_error(request, template_name: str = "500.html"):
    """The 500 page: rendered with no request context, so no session and no query."""
    context = {"request_id": getattr(request, "request_id", "")}
    try:
        body = loader.get_template(template_name).render(context)
    except Exception:
        logger.exception("The 500 page could not be rendered; sent the fixed fallback page.")
        body = FALLBACK_500
    return HttpResponseServerError(body)


def bad_request(request, exception, template_name: str = "400.html"):
    try:
        body = loader.get_template(template_name).render({})
    except Exception:
        logger.exception("The 400 page could not be rendered.")
        return server_error(request)
    return HttpResponseBadRequest(body)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: the site's page with a way back instead of Django's English one."""
    logger.warning("CSRF check failed for %s: %s", request.path, reason)
    body = loader.get_template("403_csrf.html").render(
        {"no_cookie": reason == REASON_NO_CSRF_COOKIE, "no_referer": reason == REASON_NO_REFERER},
        request,
    )
    return HttpResponseForbidden(body)


class SiteErrorPagesInDebugMiddleware:
    """With DEBUG on, show the site's 404 and 500 pages instead of Django's technical pages.

    Installed only when DEBUG is on and DEBUG_TECHNICAL_PAGES is off. It sits after
    CommonMiddleware so APPEND_SLASH still redirects `/events` to `/events/`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied | SuspiciousOperation):
            return None  # Django already answers these with the site's 403/400 pages
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(500)(request)
