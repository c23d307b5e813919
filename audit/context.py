"""The request a service runs in, for the audit trail: its id and the client's address.

A middleware puts both in a context variable for the length of the request, so services
deep below the views record them without every caller passing the request along. Celery
tasks and management commands run with no request: both are then empty.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from core import http as core_http

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    client_ip: str | None


_current: ContextVar[RequestInfo | None] = ContextVar("tsunagu_audit_request", default=None)


def client_ip(request) -> str | None:
    """The client's address (behind nginx: the TRUSTED_PROXY_COUNT rule of core/http.py)."""
    return core_http.client_ip(request)


def request_id(request) -> str:
    """nginx's $request_id when it forwards one (so a log line and an audit row share it),
    otherwise a fresh one. A malformed header is ignored rather than stored."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if _REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex


def info_for(request) -> RequestInfo:
    cached = getattr(request, "_audit_info", None)
    if cached is None:
        cached = RequestInfo(request_id=request_id(request), client_ip=client_ip(request))
        request._audit_info = cached
    return cached


def current() -> RequestInfo | None:
    return _current.get()


class RequestContextMiddleware:
    """Sets the request id and client address for the services this request calls."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        info = info_for(request)
        token = _current.set(info)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response.headers.setdefault("X-Request-ID", info.request_id)
        return response
