import pytest


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    # Uploaded files go to a throw-away folder per test.
    settings.SURVEYS_FILES_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Record aggregation requests instead of sending them to a broker."""
    calls = []
    monkeypatch.setattr(
        "surveys.tasks.aggregate.apply_async", lambda args, countdown=0: calls.append(tuple(args))
    )
    return calls


@pytest.fixture(autouse=True)
def _english(client, settings):
    """These tests read the English catalogue; the Japanese pages are covered by
    tests/accounts and tests/events, and every msgid here has a Japanese translation."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield
