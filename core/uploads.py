"""The request size limit, enforced before a byte of the body is read.

One setting, UPLOAD_MAX_MB, sets it: a file may be that large, and a request (the file
plus the rest of the form) at most one MB more, which is REQUEST_MAX_BYTES. The web
server in front (deploy/: nginx `client_max_body_size`) must use the same figure, so a
too-large upload is refused by whichever sees it first, with the same limit. Without the
check here, Django would stream a 2 GB body into temporary files before any view could
look at its size.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.template import loader


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or "0")
        except ValueError:
            return HttpResponseBadRequest()
        if length > settings.REQUEST_MAX_BYTES:
            # The body is never read: rendered without the request (no session, no user).
            body = loader.render_to_string("413.html", {"limit_mb": settings.UPLOAD_MAX_MB})
            response = HttpResponse(body, status=413)
            # The unread body would otherwise be taken as the next request on this connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
