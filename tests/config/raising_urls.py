"""A URLconf for tests only: the site's routes plus pages that fail on purpose (and one
that says what the app sees of the request).

Loaded by the error-page tests (settings.ROOT_URLCONF) and by the production smoke test
(tests/config/smoke_settings.py), never by the site itself.
"""

from django.core.exceptions import BadRequest, PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from core.http import client_ip


class SmokeTestFailure(RuntimeError):
    pass


def raises(request):
    raise SmokeTestFailure("a page that fails on purpose (tests/config/raising_urls.py)")


def raises_after_database_failure(request):
    # The database is gone mid-request: the 500 page must still render.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM a_table_that_does_not_exist")


def forbidden(request):
    raise PermissionDenied


def bad(request):
    raise BadRequest


def whoami(request):
    """What the app believes about this request (behind nginx: https and the client)."""
    return JsonResponse(
        {
            "scheme": request.scheme,
            "is_secure": request.is_secure(),
            "host": request.get_host(),
            "client_ip": client_ip(request),
            "request_id": request.headers.get("X-Request-ID", ""),
        }
    )


urlpatterns = [
    path("__test__/whoami", whoami),
    path("__test__/raise", raises),
    path("__test__/raise-db", raises_after_database_failure),
    path("__test__/forbidden", forbidden),
    path("__test__/bad", bad),
    *site_urlpatterns,
]

handler400 = "config.errors.bad_request"
handler500 = "config.errors.server_error"
