"""Logs as one JSON object per line (production), with the request they belong to.

Every record carries the request id (nginx's X-Request-ID, or one made up by
audit.context), the signed-in user's id and the path; the request's own line adds the
method, status and duration. A Celery task queued by a request receives the request id
in its message headers, and every line the task logs carries it, so one id follows a
registration from nginx through gunicorn to the worker that sent its mail.

LOG_FORMAT=json (the default with DEBUG off) or text (the default with DEBUG on).
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from celery import signals

from audit import context as audit_context

request_logger = logging.getLogger("tsunagu.request")
task_logger = logging.getLogger("tsunagu.task")

HEADER = "tsunagu_request_id"


@dataclass(frozen=True)
class LogContext:
    request_id: str = ""
    user_id: int | None = None
    path: str = ""
    task: str = ""


_context: ContextVar[LogContext | None] = ContextVar("tsunagu_log_context", default=None)


def current_request_id() -> str:
    ctx = _context.get()
    return ctx.request_id if ctx else ""


class ContextFilter(logging.Filter):
    """Adds request_id, user_id, path (and task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get() or LogContext()
        for name in ("request_id", "user_id", "path", "task"):
            if not hasattr(record, name):
                setattr(record, name, getattr(ctx, name))
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "user_id", "path", "method", "status", "duration_ms", "task", "task_id")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            value = getattr(record, name, None)
            if value not in (None, ""):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


class RequestLogMiddleware:
    """One line per request: method, path, status, duration, user; sets the log context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        info = audit_context.info_for(request)
        token = _context.set(LogContext(request_id=info.request_id, path=request.path))
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            _context.set(replace(_context.get(), user_id=user_id))
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
            return response
        finally:
            _context.reset(token)


class UserContextMiddleware:
    """After authentication: the user id for the lines logged while the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = _context.get()
        user = getattr(request, "user", None)
        if ctx is not None and user is not None and user.is_authenticated:
            _context.set(replace(ctx, user_id=user.pk))
        return self.get_response(request)


# --- Celery: the request id travels with the task ----------------------------------------


@signals.before_task_publish.connect
def _add_request_id(headers=None, **kwargs):
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


_task_tokens: dict[str, object] = {}


@signals.task_prerun.connect
def _task_context(task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER, "")
    _task_tokens[task_id] = _context.set(LogContext(request_id=request_id or "", task=task.name))
    task_logger.info("task %s started", task.name, extra={"task_id": task_id})


@signals.task_postrun.connect
def _task_context_end(task_id=None, task=None, state=None, **kwargs):
    task_logger.info("task %s %s", task.name, (state or "").lower(), extra={"task_id": task_id})
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _context.reset(token)
