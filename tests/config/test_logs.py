"""JSON log lines with the request they belong to; the request id handed to Celery tasks."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from config import logs


def _record(message="hello", **extra) -> logging.LogRecord:
    record = logging.LogRecord("tsunagu.test", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    logs.ContextFilter().filter(record)
    return record


def test_json_line_has_the_fields():
    token = logs._context.set(logs.LogContext(request_id="abc123", user_id=7, path="/events/"))
    try:
        line = logs.JsonFormatter().format(_record("予約 %s", status=200, duration_ms=12.5))
    finally:
        logs._context.reset(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "WARNING" and entry["logger"] == "tsunagu.test"
    assert entry["request_id"] == "abc123" and entry["user_id"] == 7 and entry["path"] == "/events/"
    assert entry["status"] == 200 and entry["duration_ms"] == 12.5


def test_a_traceback_stays_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]


@pytest.mark.django_db
def test_each_request_logs_one_line_with_its_id_user_and_status(client, participant, caplog):
    client.force_login(participant)
    with caplog.at_level(logging.INFO, logger="tsunagu.request"):
        response = client.get("/events/", HTTP_X_REQUEST_ID="req-0001")
    (record,) = [r for r in caplog.records if r.name == "tsunagu.request"]
    assert record.request_id == "req-0001" == response["X-Request-ID"]
    assert record.user_id == participant.pk and record.path == "/events/" and record.status == 200


def test_tasks_published_in_a_request_carry_its_id():
    headers: dict = {}
    token = logs._context.set(logs.LogContext(request_id="req-42"))
    try:
        logs._add_request_id(headers=headers)
    finally:
        logs._context.reset(token)
    assert headers[logs.HEADER] == "req-42"


def test_log_format_is_validated():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": "xml"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr
